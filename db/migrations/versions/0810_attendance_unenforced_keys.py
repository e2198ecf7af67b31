"""attendance keys checked by the merge, and an index of each school's rows

PostgreSQL drops attendance_records' foreign keys;
both databases index attendance_records by (school_id, date).

Revision ID: 0810
Revises: 0800

PostgreSQL checks a foreign key with a trigger per inserted row: on a school's year of
attendance (300,000 rows) the three keys of attendance_records (student, school, import)
cost twice as long as the insert itself. The import already guarantees what they checked,
set-based, before it writes a row (db.merge, ingest.attendance: unknown students are created
or their rows dropped, every row's school is resolved, the stamp is the running import), and
what could break it later is checked by the code that deletes a student or a school (the
rollback's dependency checks read the keys from the models, which keep them) and reported by
`attendly verify` (orphans, stamps of missing imports). db.migrate.UNENFORCED_KEYS lists them
for the comparison of models and schema.

SQLite keeps the keys in its schema (it does not enforce them either way).

The index: an import refreshes the day totals of the schools it touched (db.aggregates); without
it each refresh read the whole year's partition, every school's rows, for one school's.
"""

from alembic import op

revision = "0810"
down_revision = "0800"
branch_labels = None
depends_on = None

PARENT = "attendance_records"
FOREIGN_KEYS = (("student_id", "students"), ("school_id", "schools"), ("import_id", "imports"))
INDEX = "ix_attendance_records_school_date"


def _name(column: str, referred: str) -> str:
    return f"fk_{PARENT}_{column}_{referred}"


def upgrade() -> None:
    op.create_index(INDEX, PARENT, ["school_id", "date"])
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, referred in FOREIGN_KEYS:
        op.execute(f"ALTER TABLE {PARENT} DROP CONSTRAINT IF EXISTS {_name(column, referred)}")


def downgrade() -> None:
    op.drop_index(INDEX, table_name=PARENT)
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, referred in FOREIGN_KEYS:
        op.create_foreign_key(_name(column, referred), PARENT, referred, [column], ["id"])
