"""Benchmarks: each prints its figures (they are never asserted in tests)."""
