"""Benchmarks against peers, run on demand (never in the test suite): `python -m bench.<name>`."""
