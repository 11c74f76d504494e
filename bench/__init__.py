"""Benchmarks: `nox -s bench` prints a table. Targets live here, not in timed tests."""
