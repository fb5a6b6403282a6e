"""Helpers for tests, examples and documentation (synthetic data only)."""
