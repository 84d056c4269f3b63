"""`make bench`: the client measured side by side with bare httpx and ibind, over loopback HTTPS.

Run ``python -m bench.run --help``. The harness starts the gateway simulator in another process,
measures every client in fresh worker processes (``bench._worker``), repeats each figure and reports
medians as ratios to bare httpx, then checks the goals of issue 14 (the exit code says which are
missed). Other benchmark scripts plug in as sections: see :mod:`bench._sections`.
"""
