"""Benchmarks run by ``samplenet bench``: they print tables, they assert nothing."""
