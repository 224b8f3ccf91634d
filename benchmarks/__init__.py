"""Benchmarks of ecandidat-tui: `make bench` (full) or `make bench-smoke` (CI)."""
