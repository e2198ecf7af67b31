"""Unbound Flask extensions, bound to the app inside `create_app`."""

from __future__ import annotations

from flask import Flask
from flask.globals import app_ctx
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; its metadata carries the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()


RANDOM_PAGE_COST = 1.1  # PostgreSQL's planner cost of a page read out of order
WORK_MEM = "16MB"  # memory a sort or hash of one query may use before spilling to disk


def engine_options(url: str, pool_size: int, max_overflow: int) -> dict[str, object]:
    """SQLAlchemy engine options for `url`: liveness checks, and the pool bounds on servers.

    Every web process holds at most pool_size + max_overflow connections per engine (one
    per thread using the database at once); the database must accept that many times the
    gunicorn workers, twice over with a read replica on the same server. SQLite's pools take
    no sizes (an in-memory database keeps a single connection).
    """
    options: dict[str, object] = {"pool_pre_ping": True}
    if not url.startswith("sqlite"):
        options.update(pool_size=pool_size, max_overflow=max_overflow)
    if url.startswith("postgresql"):
        # Plans for the statements' own values: a generic plan of a prepared statement (the
        # driver prepares from a statement's sixth run) cannot leave out the attendance
        # partitions of other years (db.partitions), whose CHECK is judged at plan time.
        # Index probes priced for data in memory or on SSD (the default, 4, prices a disk
        # seek): a school's reads then probe its students' rows instead of scanning the
        # district's (docs/database.md). Sorts of a district's 50,000 students in memory
        # (the default 4MB spills them to disk).
        settings = (
            "plan_cache_mode=force_custom_plan",
            f"random_page_cost={RANDOM_PAGE_COST}",
            f"work_mem={WORK_MEM}",
        )
        options["connect_args"] = {"options": " ".join(f"-c {s}" for s in settings)}
    return options


class ReadReplica:
    """The second engine and its request-scoped session, bound to DATABASE_READ_URL.

    Like Flask-SQLAlchemy's own session, a session lives as long as the app context that
    opened it, so a callback's reads share one connection and give it back at the end.
    """

    def __init__(self, server: Flask, url: str, options: dict[str, object]) -> None:
        self.engine = create_engine(url, **options)
        self.session = scoped_session(sessionmaker(bind=self.engine), scopefunc=_app_context_id)
        server.teardown_appcontext(self._remove)

    def _remove(self, _: BaseException | None) -> None:
        self.session.remove()


READ_REPLICA = "attendly.read_replica"


def init_read_replica(server: Flask, url: str | None, options: dict[str, object]) -> None:
    """Give the app its read replica when `url` is set (see db.reads.read_session)."""
    if url:
        server.extensions[READ_REPLICA] = ReadReplica(server, url, options)


def read_replica(server: Flask) -> ReadReplica | None:
    """The app's read replica; None without DATABASE_READ_URL."""
    replica: ReadReplica | None = server.extensions.get(READ_REPLICA)
    return replica


def _app_context_id() -> int:
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]
