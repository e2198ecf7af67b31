"""week before: every student's figures as of the Overview's comparison date

Revision ID: 0700
Revises: 0520

Both tables start empty; until the next import (or `attendly verify --repair`) fills them the
Overview computes last week's figures from the summaries, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0700"
down_revision = "0520"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "week_before_years",
        sa.Column("academic_year", sa.String(length=9), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("before", sa.Date(), nullable=False),
        sa.Column("policy_key", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("academic_year", name=op.f("pk_week_before_years")),
    )
    op.create_table(
        "student_week_before",
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("academic_year", sa.String(length=9), nullable=False),
        sa.Column("days_enrolled", sa.Integer(), nullable=False),
        sa.Column("days_present", sa.Integer(), nullable=False),
        sa.Column("scheduled_periods", sa.Integer(), nullable=False),
        sa.Column("present_periods", sa.Integer(), nullable=False),
        sa.Column("truancy_occasions", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("chronically_absent", sa.Boolean(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("student_id", "academic_year", name=op.f("pk_student_week_before")),
    )


def downgrade() -> None:
    op.drop_table("student_week_before")
    op.drop_table("week_before_years")
