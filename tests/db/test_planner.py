"""db.planner: join methods off for a block, back on after it, on PostgreSQL only."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from db.planner import joined_without


def test_join_methods_are_off_inside_the_block_only(session: Session) -> None:
    postgres = session.get_bind().dialect.name == "postgresql"

    def setting(method: str) -> str | None:
        return session.scalar(text(f"SHOW enable_{method}")) if postgres else None

    with joined_without(session, "hashjoin", "mergejoin"):
        inside = (setting("hashjoin"), setting("mergejoin"), setting("nestloop"))
    after = (setting("hashjoin"), setting("mergejoin"))
    if postgres:
        assert inside == ("off", "off", "on") and after == ("on", "on")
    with pytest.raises(ValueError, match="unknown join methods"):
        with joined_without(session, "seqscan"):
            pass
