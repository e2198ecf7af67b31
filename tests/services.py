"""Where the test suite finds PostgreSQL and Redis, and what happens when they are absent.

Without ATTENDLY_REQUIRE_SERVICES=1 a missing service skips its tests with the reason;
with it (CI), a missing service fails them.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

REQUIRE = os.environ.get("ATTENDLY_REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get(
    "ATTENDLY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/attendly_test"
)
REDIS_URL = os.environ.get("ATTENDLY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unavailable(reason: str) -> None:
    """Skip (or fail, when services are required) because a service is missing."""
    if REQUIRE:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def fresh_postgres_database(url: str = POSTGRES_URL) -> str:
    """Drop and recreate the test database named in `url`; returns the url."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = parsed.database
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        unavailable(f"PostgreSQL not reachable at {parsed.host}:{parsed.port}: {exc.orig}")
    finally:
        admin.dispose()
    return url


def redis_client():  # type: ignore[no-untyped-def]
    """A flushed client on the test Redis database, or skip."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis not reachable at {REDIS_URL}: {exc}")
    client.flushdb()
    return client
