"""Disclosure control: pure functions on aggregated tables (no I/O)."""
