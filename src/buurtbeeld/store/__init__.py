"""The workspace: a folder with buurtbeeld.toml and a DuckDB cube of observations."""
