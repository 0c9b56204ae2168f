"""Readers for open data in the formats CBS and RIVM publish it."""
