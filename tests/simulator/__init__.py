"""Tests of the built-in gateway simulator."""
