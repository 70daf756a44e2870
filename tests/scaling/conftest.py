import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Registered here, beside the only tests that use it (pyproject.toml lists the project-wide markers).
    config.addinivalue_line(
        "markers", "replica: reads a real PostgreSQL streaming replica (DATABASE_REPLICA_URL, scripts/pg_replica.sh)")
