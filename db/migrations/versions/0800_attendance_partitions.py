"""attendance partitions: attendance_records partitioned by academic year on PostgreSQL

Revision ID: 0800
Revises: 0001

PostgreSQL: `attendance_records` becomes PARTITION BY RANGE (date), one partition per academic
year in the schema `attendance_partitions` (see db/partitions.py for why RANGE (date) and why
no DEFAULT partition). Existing rows move over with their ids; the id sequence is kept (its
ownership passes to the new table). The primary key becomes (id, date): PostgreSQL requires
the partition key in every unique constraint; (student_id, date), the imports' key, already
holds it. Rows whose academic_year does not match their date stop the migration (nothing
changes) and are named. The copy takes about as long as rewriting the table.

Both databases: student_year_summaries gets an index on academic_year (every dashboard reads
one year of it; without the index each read scans every year kept).

SQLite keeps one plain attendance table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0800"
down_revision = "0001"
branch_labels = None
depends_on = None

PARENT = "attendance_records"
OLD = "attendance_records_unpartitioned"
SCHEMA = "attendance_partitions"
SEQUENCE = "attendance_records_id_seq"
PERIODS = [f"period_{n}" for n in range(10)]
COLUMNS = [
    "id",
    "student_id",
    "date",
    "academic_year",
    "school_id",
    *PERIODS,
    "scheduled",
    "present",
    "daily_attendance_percentage",
    "unexcused_periods",
    "unverified_periods",
    "import_id",
]
YEAR_START = "CAST(EXTRACT(YEAR FROM date - INTERVAL '6 months') AS INTEGER)"


def upgrade() -> None:
    op.create_index(
        "ix_student_year_summaries_academic_year", "student_year_summaries", ["academic_year"]
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    _refuse_mismatched_years()
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the key and index builds
    _set_aside(OLD)
    _create_partitioned()
    op.execute(f"CREATE SCHEMA {SCHEMA}")
    for start in _year_starts(OLD):
        _create_partition(start)
    _move_rows(OLD)
    op.create_primary_key("pk_attendance_records", PARENT, ["id", "date"])
    _add_keys()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        _set_aside(OLD)
        _create_plain()
        _move_rows(OLD)
        op.execute(f"DROP SCHEMA {SCHEMA}")
        op.create_primary_key("pk_attendance_records", PARENT, ["id"])
        _add_keys()
    op.drop_index("ix_student_year_summaries_academic_year", "student_year_summaries")


def _refuse_mismatched_years() -> None:
    """A row filed under another year than its date's would not fit its partition."""
    row = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT id, date, academic_year FROM {PARENT} WHERE academic_year IS DISTINCT "
                f"FROM concat({YEAR_START}, '-', {YEAR_START} + 1) LIMIT 1"
            )
        )
        .first()
    )
    if row is not None:
        raise RuntimeError(
            f"{PARENT} row id {row.id}: academic_year {row.academic_year!r} does not match its "
            f"date {row.date} (academic years run 1 July to 30 June); correct such rows, then "
            "migrate again"
        )


def _set_aside(name: str) -> None:
    """Rename the current table and free the names its keys and index use."""
    op.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY NONE")
    op.rename_table(PARENT, name)
    op.drop_constraint("pk_attendance_records", name, type_="primary")
    op.drop_constraint("uq_attendance_records_student_id_date", name, type_="unique")
    op.drop_index("ix_attendance_records_year_date", table_name=name)


def _columns() -> list[sa.Column]:
    ids = sa.text(f"nextval('{SEQUENCE}'::regclass)")
    status = [sa.Column(name, sa.String(length=1), nullable=True) for name in PERIODS]
    return [
        sa.Column("id", sa.BigInteger(), server_default=ids, nullable=False),
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("academic_year", sa.String(length=9), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        *status,
        sa.Column("scheduled", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("daily_attendance_percentage", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("unexcused_periods", sa.Integer(), nullable=False),
        sa.Column("unverified_periods", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
    ]


def _create_partitioned() -> None:
    op.create_table(PARENT, *_columns(), postgresql_partition_by="RANGE (date)")


def _create_plain() -> None:
    op.create_table(PARENT, *_columns())


def _year_starts(table: str) -> list[int]:
    query = sa.text(f"SELECT DISTINCT {YEAR_START} FROM {table} ORDER BY 1")
    return [int(start) for start in op.get_bind().execute(query).scalars()]


def _create_partition(start: int) -> None:
    """The same table db.partitions creates on demand (name, bounds, CHECK)."""
    suffix = f"{start}_{start + 1}"
    op.execute(
        f"CREATE TABLE {SCHEMA}.{PARENT}_{suffix} PARTITION OF {PARENT} "
        f"(CONSTRAINT ck_{PARENT}_{suffix}_year CHECK (academic_year = '{start}-{start + 1}')) "
        f"FOR VALUES FROM ('{start}-07-01') TO ('{start + 1}-07-01')"
    )


def _move_rows(source: str) -> None:
    """Copy every row (ids included) into the new table, hand it the id sequence, drop `source`."""
    names = ", ".join(COLUMNS)
    op.execute(f"INSERT INTO {PARENT} ({names}) SELECT {names} FROM {source}")
    op.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY {PARENT}.id")
    op.drop_table(source)


FOREIGN_KEYS = (("student_id", "students"), ("school_id", "schools"), ("import_id", "imports"))


def _add_keys() -> None:
    """The keys and index both layouts share, built after the copy: one pass over the rows
    each instead of a check per inserted row (the copy runs several times faster)."""
    op.create_unique_constraint(
        "uq_attendance_records_student_id_date", PARENT, ["student_id", "date"]
    )
    op.create_index("ix_attendance_records_year_date", PARENT, ["academic_year", "date"])
    for column, referred in FOREIGN_KEYS:
        name = f"fk_{PARENT}_{column}_{referred}"
        op.create_foreign_key(name, PARENT, referred, [column], ["id"])
    op.execute(f"ANALYZE {PARENT}")
