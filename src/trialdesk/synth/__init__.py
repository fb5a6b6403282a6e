"""Synthetic data for tests, demos and benchmarks. Never real patients.

Everything here is deterministic from a ``random.Random`` seed.
"""
