"""Benchmarks: `make bench` (python -m bench). They print medians and the machine."""
