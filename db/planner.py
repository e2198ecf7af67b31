"""Join methods switched off for a block of statements (PostgreSQL), where the planner's
statistics are sure to mislead it: right after an import wrote a school's year, before they
are gathered again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

METHODS = ("nestloop", "hashjoin", "mergejoin")


@contextmanager
def joined_without(session: Session, *methods: str) -> Iterator[None]:
    """Plan the block's statements without these join methods (of METHODS); a no-op on SQLite.
    The settings are transaction-local and put back when the block ends."""
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown join methods: {sorted(unknown)}")
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        for method in methods:
            session.execute(text(f"SET LOCAL enable_{method} = off"))
    try:
        yield
    finally:
        if postgres:
            for method in methods:
                session.execute(text(f"SET LOCAL enable_{method} = DEFAULT"))
