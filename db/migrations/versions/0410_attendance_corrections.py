"""corrections: teachers' attendance corrections

Revision ID: 0410
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0410"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "attendance_corrections",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("grade_level", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("prior_status", sa.String(length=1), nullable=True),
        sa.Column("new_status", sa.String(length=1), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("row_import_id", sa.Integer(), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_by_import", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_corrections")),
    )
    op.create_index(
        op.f("ix_attendance_corrections_at"), "attendance_corrections", ["at"], unique=False
    )
    op.create_index(
        op.f("ix_attendance_corrections_grade_level"),
        "attendance_corrections",
        ["grade_level"],
        unique=False,
    )
    op.create_index(
        "ix_attendance_corrections_student_date",
        "attendance_corrections",
        ["student_id", "date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_attendance_corrections_student_date", table_name="attendance_corrections")
    op.drop_index(
        op.f("ix_attendance_corrections_grade_level"), table_name="attendance_corrections"
    )
    op.drop_index(op.f("ix_attendance_corrections_at"), table_name="attendance_corrections")
    op.drop_table("attendance_corrections")
