"""The indicator catalogue: declarative definitions in YAML, validated with pydantic."""
