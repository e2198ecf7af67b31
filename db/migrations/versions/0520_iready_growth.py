"""iready growth: each student's growth per subject and year after every diagnostic

Revision ID: 0520
Revises: 0004

The table starts empty and is filled by every i-Ready write (db.growth). A database upgraded
with diagnostics in it reads growth from the diagnostics until `attendly verify --repair`
(or db.summaries.refresh_all) fills it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0520"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "iready_growth",
        sa.Column("student_id", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=4), nullable=False),
        sa.Column("academic_year", sa.String(length=9), nullable=False),
        sa.Column("most_recent_date", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("diagnostics", sa.Integer(), nullable=False),
        sa.Column("baseline_date", sa.Date(), nullable=False),
        sa.Column("baseline_score", sa.Integer(), nullable=False),
        sa.Column("most_recent_score", sa.Integer(), nullable=False),
        sa.Column("placement_level", sa.Integer(), nullable=True),
        sa.Column("diagnostic_gain", sa.Integer(), nullable=False),
        sa.Column("typical_hundredths", sa.Integer(), nullable=True),
        sa.Column("stretch_hundredths", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "student_id",
            "subject",
            "academic_year",
            "most_recent_date",
            name=op.f("pk_iready_growth"),
        ),
    )
    op.create_index(
        "ix_iready_growth_year_date", "iready_growth", ["academic_year", "most_recent_date"]
    )
    op.create_index(
        "ix_iready_growth_year_valid_until", "iready_growth", ["academic_year", "valid_until"]
    )


def downgrade() -> None:
    op.drop_index("ix_iready_growth_year_valid_until", table_name="iready_growth")
    op.drop_index("ix_iready_growth_year_date", table_name="iready_growth")
    op.drop_table("iready_growth")
