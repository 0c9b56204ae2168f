"""The platform database fixtures (SQLite and a throwaway PostgreSQL) for the steering tests."""

from tests.platform.conftest import platform_url, postgres_cluster  # noqa: F401 (fixtures)
