"""Platform database fixtures (SQLite and a throwaway PostgreSQL) shared with tests/platform."""

from tests.platform.conftest import cli_env, platform_url, postgres_cluster  # noqa: F401
