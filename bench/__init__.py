"""Benchmarks of kui at national scale: a generator of municipalities and a runner (see README)."""
