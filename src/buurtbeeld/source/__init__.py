"""The source toolkit: aggregate and protect record-level data at the source."""
