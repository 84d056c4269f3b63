"""Build step for the low-level client: vendored spec + overlay -> resolved spec -> generated code."""
