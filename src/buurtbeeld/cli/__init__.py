"""Command-line interface (Typer, Dutch help texts)."""
