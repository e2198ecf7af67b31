"""Move the whole dataset between databases: `attendly export-all` and `attendly import-all`.

Every table of the SQLAlchemy metadata (models, import staging and history, interventions,
notifications) goes into one archive (see attendly.transfer_format), read in chunks and in
primary-key order, from one consistent snapshot. An import is checked as a whole before
anything is written (manifest, schema revision, tables and columns, every row's values, counts
and checksums), then written in one transaction: a bad archive never harms the target.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import Null

from attendly.extensions import db
from attendly.transfer_format import (
    MANIFEST,
    Manifest,
    TableEntry,
    TransferRejected,
    codec,
    decode_row,
    encode_rows,
    table_file,
)
from db.migrate import UNENFORCED_KEYS, alembic_config
from db.overview_groups import rebuild_loaded
from db.partitions import PARENT as PARTITIONED
from db.partitions import ensure_attendance_partitions
from db.versions import GROWTH_CHECKED, bump_connection, forget_connection

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5_000
# init-db seeds these (policy defaults, the default code table); the archive's rows replace them.
SEED_TABLES = frozenset({"policy_settings", "attendance_codes"})
# Not data: the dashboards' cache counter (db.versions) is the target's own; a load bumps it.
NOT_DATA = frozenset({"data_versions"})


@dataclass(frozen=True)
class ImportReport:
    """What `import_all` wrote: rows per table, and whether the target's data was replaced."""

    rows: dict[str, int]
    replaced: bool


def dataset_tables() -> list[Table]:
    """Every table of the dataset, parents before children (the order rows are inserted in)."""
    import db.models as _models  # noqa: F401  (registers every model module's tables)

    return [table for table in db.metadata.sorted_tables if table.name not in NOT_DATA]


def code_revisions() -> list[str]:
    """The Alembic heads this Attendly's migrations end at."""
    return sorted(ScriptDirectory.from_config(alembic_config()).get_heads())


def database_revisions(connection: Connection) -> list[str]:
    return sorted(MigrationContext.configure(connection).get_current_heads())


# --- Export ------------------------------------------------------------------------------------


def export_all(engine: Engine, path: Path, *, app_version: str, actor: str | None) -> Manifest:
    """Write the whole dataset to the archive `path`; returns its manifest.

    Written to `<path>.partial` and renamed when complete, so `path` is never half an archive.
    Raises TransferRejected when the database is not at this Attendly's schema revision.
    """
    with engine.connect() as connection:
        revisions = database_revisions(connection)
    if revisions != code_revisions():
        raise TransferRejected(
            f"the database is at schema revision {', '.join(revisions) or 'none'}, this Attendly "
            f"at {', '.join(code_revisions())}: run `attendly init-db` first"
        )
    _audit(engine, actor, {"archive": path.name, "direction": "export-all"})
    partial = path.with_name(path.name + ".partial")
    try:
        manifest = _write_archive(engine, partial, app_version, revisions)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def _write_archive(engine: Engine, path: Path, app_version: str, revisions: list[str]) -> Manifest:
    with _snapshot(engine) as connection, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        entries = [_export_table(out, connection, table) for table in dataset_tables()]
        manifest = Manifest(
            app_version=app_version,
            exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            source_dialect=engine.dialect.name,
            revisions=revisions,
            tables=entries,
        )
        out.writestr(MANIFEST, manifest.to_json())
    return manifest


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection reading every table from one point in time (writers wait on SQLite)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # pysqlite opens no transaction for reads
        yield connection
        connection.rollback()


def _export_table(out: zipfile.ZipFile, connection: Connection, table: Table) -> TableEntry:
    codecs = [codec(column) for column in table.columns]
    digest, rows = hashlib.sha256(), 0
    statement = _ordered(table, connection.dialect.name).execution_options(yield_per=CHUNK_ROWS)
    with out.open(table_file(table), "w", force_zip64=True) as target:
        for partition in connection.execute(statement).partitions():
            lines = encode_rows(codecs, partition)
            target.write(lines)
            digest.update(lines)
            rows += len(partition)
    logger.debug("exported %s rows of %s", rows, table.name)
    columns = [column.name for column in table.columns]
    return TableEntry(table.name, table_file(table), columns, rows, digest.hexdigest())


def _ordered(table: Table, dialect: str) -> Select[Any]:
    """All columns (JSON as its stored text) in primary-key order, the same on every backend.

    PostgreSQL sorts text by its collation, SQLite by bytes: "C" makes them agree.
    """
    columns = [cast(c, Text) if isinstance(c.type, JSON) else c for c in table.columns]
    keys = list(table.primary_key.columns) or [
        c for c in table.columns if not isinstance(c.type, JSON | LargeBinary)
    ]
    order = [
        c.collate("C") if dialect == "postgresql" and isinstance(c.type, String) else c
        for c in keys
    ]
    return select(*columns).order_by(*order)


# --- Import ------------------------------------------------------------------------------------


def check_archive(path: Path) -> Manifest:
    """Read the whole archive and check it without touching a database; returns its manifest.

    Raises TransferRejected naming the problem (and the table, line and column of a bad value).
    """
    with _open(path) as archive:
        manifest, plan = _plan(archive)
        for table, entry in plan:
            for _ in _rows(archive, table, entry):
                pass
    return manifest


def import_all(
    engine: Engine, path: Path, *, replace: bool, actor: str | None = None
) -> ImportReport:
    """Load the archive into `engine`'s database (at this Attendly's revision) in one transaction.

    Refuses a target holding data (beyond init-db's seed) unless `replace`, which deletes every
    row first. Raises TransferRejected for a bad archive or target; nothing is written then.
    """
    with _open(path) as archive, engine.begin() as connection:
        manifest, plan = _plan(archive)
        _clear(connection, [table for table, _ in plan], replace)
        for table, entry in plan:
            _insert(connection, table, _rows(archive, table, entry))
        rows = _check_counts(connection, plan)
        _check_unenforced_keys(connection)
        # A new data version: pages cached by running processes before the load go stale.
        bump_connection(connection)
        # Diagnostics loaded whole: db.growth.in_sync counts again until a growth write.
        forget_connection(connection, GROWTH_CHECKED)
        # The loaded Overview groups were stamped with the source's counter (db.overview_groups)
        rebuild_loaded(connection)
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection, [table for table, _ in plan])
        details = {"archive": path.name, "direction": "import-all", "replaced": replace}
        _insert_audit(connection, actor, {**details, "exported_at": manifest.exported_at})
    return ImportReport(rows, replace)


@contextmanager
def _open(path: Path) -> Iterator[zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise TransferRejected(f"{path}: no such file") from exc
    except (zipfile.BadZipFile, EOFError) as exc:
        raise TransferRejected(f"{path} is not a readable zip archive (truncated?): {exc}") from exc
    with archive:
        yield archive


def _plan(archive: zipfile.ZipFile) -> tuple[Manifest, list[tuple[Table, TableEntry]]]:
    """The manifest, and each table with its archive entry in insert order (checked to fit)."""
    try:
        manifest = Manifest.from_json(archive.read(MANIFEST))
    except KeyError as exc:
        raise TransferRejected(f"the archive has no {MANIFEST}: not an export-all archive") from exc
    if manifest.revisions != code_revisions():
        raise TransferRejected(
            f"the archive is of schema revision {', '.join(manifest.revisions)} (Attendly "
            f"{manifest.app_version}), this Attendly is at {', '.join(code_revisions())}: "
            "import it with the same Attendly version that exported it"
        )
    entries = {entry.name: entry for entry in manifest.tables}
    tables = dataset_tables()
    unknown = sorted(set(entries) - {table.name for table in tables})
    if unknown:
        raise TransferRejected(f"the archive holds unknown tables: {', '.join(unknown)}")
    names = set(archive.namelist())
    return manifest, [(table, _entry(table, entries, names)) for table in tables]


def _entry(table: Table, entries: dict[str, TableEntry], names: set[str]) -> TableEntry:
    entry = entries.get(table.name)
    if entry is None:
        raise TransferRejected(f"table {table.name} is missing from the archive's manifest")
    if entry.file not in names:
        raise TransferRejected(f"table {table.name}: file {entry.file} is missing from the archive")
    expected = [column.name for column in table.columns]
    if entry.columns != expected:
        raise TransferRejected(
            f"table {table.name}: the archive has columns {entry.columns}, the database {expected}"
        )
    return entry


def _rows(archive: zipfile.ZipFile, table: Table, entry: TableEntry) -> Iterator[list[Any]]:
    """Decoded rows of one table; at the end its row count and checksum are checked."""
    columns = list(table.columns)
    codecs = [codec(column) for column in columns]
    digest, count = hashlib.sha256(), 0
    try:
        with archive.open(entry.file) as lines:
            for count, line in enumerate(lines, start=1):  # noqa: B007  (count is used below)
                digest.update(line)
                yield decode_row(table.name, columns, codecs, line, count)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise TransferRejected(f"table {table.name}: {entry.file} is damaged: {exc}") from exc
    if count != entry.rows:
        raise TransferRejected(
            f"table {table.name}: {count} rows in {entry.file}, the manifest says {entry.rows}"
        )
    if digest.hexdigest() != entry.sha256:
        raise TransferRejected(
            f"table {table.name}: {entry.file} does not match its checksum in the manifest"
        )


def _clear(connection: Connection, tables: list[Table], replace: bool) -> None:
    occupied = [
        table.name
        for table in tables
        if table.name not in SEED_TABLES
        and connection.scalar(select(literal(1)).select_from(table).limit(1)) is not None
    ]
    if occupied and not replace:
        raise TransferRejected(
            f"the target database is not empty (rows in {', '.join(occupied)}): import into a "
            "new database, or add --replace to delete everything in it first"
        )
    for table in reversed(tables):
        connection.execute(table.delete())


Batch = list[list[Any]]


def _insert(connection: Connection, table: Table, rows: Iterator[list[Any]]) -> None:
    batch: Batch = []
    first = 1
    for number, row in enumerate(rows, start=1):
        batch.append(row)
        if len(batch) == CHUNK_ROWS:
            _insert_batch(connection, table, batch, first)
            batch, first = [], number + 1
    if batch:
        _insert_batch(connection, table, batch, first)


def _insert_batch(connection: Connection, table: Table, batch: Batch, first: int) -> None:
    where = f"table {table.name}, lines {first}-{first + len(batch) - 1}"
    if table.name == PARTITIONED:
        _ensure_partitions(connection, table, batch)
    if connection.dialect.name == "postgresql":
        _copy_batch(connection, table, batch, where)
        return
    names = [column.name for column in table.columns]
    try:
        connection.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in batch])
    except (IntegrityError, DataError) as exc:
        raise TransferRejected(f"{where}: the database refused the rows: {exc.orig}") from exc


def _ensure_partitions(connection: Connection, table: Table, batch: Batch) -> None:
    """Create the academic-year partitions the batch's dates need (db.partitions; PostgreSQL)."""
    at = [column.name for column in table.columns].index("date")
    days = {row[at] for row in batch if isinstance(row[at], dt.date)}
    ensure_attendance_partitions(connection, days)


def _copy_batch(connection: Connection, table: Table, batch: Batch, where: str) -> None:
    """COPY the rows in (PostgreSQL's bulk path, inside the same transaction)."""
    import psycopg
    from psycopg.types.json import Json

    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.format_column(column) for column in table.columns)
    statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    json_at = [i for i, column in enumerate(table.columns) if isinstance(column.type, JSON)]
    raw = connection.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in batch:
                for index in json_at:  # SQL NULL stays NULL; any JSON value (null too) as JSON
                    row[index] = None if isinstance(row[index], Null) else Json(row[index])
                copy.write_row(row)
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
        raise TransferRejected(f"{where}: the database refused the rows: {exc}") from exc


def _check_counts(connection: Connection, plan: list[tuple[Table, TableEntry]]) -> dict[str, int]:
    rows = {}
    for table, entry in plan:
        stored = connection.scalar(select(func.count()).select_from(table)) or 0
        if stored != entry.rows:
            raise TransferRejected(
                f"table {table.name} holds {stored} rows after the import, the archive {entry.rows}"
            )
        rows[table.name] = stored
    return rows


def _check_unenforced_keys(connection: Connection) -> None:
    """The foreign keys the database does not hold (db.migrate.UNENFORCED_KEYS): a row naming
    a student, school or import the archive lacks is refused, as a held key would refuse it."""
    for key in db.metadata.tables[PARTITIONED].foreign_keys:
        if key.constraint is None or key.constraint.name not in UNENFORCED_KEYS:
            continue
        column, referred = key.parent, key.column
        missing = and_(column.is_not(None), column.not_in(select(referred)))
        table = column.table
        found = connection.execute(
            select(func.count(), func.min(column)).select_from(table).where(missing)
        ).one()
        if found[0]:
            raise TransferRejected(
                f"table {table.name}: {found[0]} rows name a {column.name} that table "
                f"{referred.table.name} does not hold (the first: {found[1]!r})"
            )


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Point each serial primary key's sequence past the largest id the archive brought."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = connection.scalar(
                select(func.pg_get_serial_sequence(table.name, column.name))
            )
            if sequence is not None:
                largest = select(func.max(column)).scalar_subquery()
                connection.execute(
                    select(func.setval(sequence, func.coalesce(largest, 0) + 1, False))
                )


def _audit(engine: Engine, actor: str | None, details: dict[str, Any]) -> None:
    with engine.begin() as connection:
        _insert_audit(connection, actor, details)


def _insert_audit(connection: Connection, actor: str | None, details: dict[str, Any]) -> None:
    from db.models import AuditEntry

    action = "export" if details["direction"] == "export-all" else "import"
    entry = {"at": dt.datetime.now(dt.UTC), "username": actor, "action": action}
    connection.execute(
        AuditEntry.__table__.insert().values(**entry, entity="dataset", details=details)
    )
