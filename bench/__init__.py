"""Benchmarks, run by `make bench`; shared helpers live in `bench/_harness.py`."""
