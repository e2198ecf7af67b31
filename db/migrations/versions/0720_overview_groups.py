"""overview groups: the Overview's sums pre-added per school, grade and tier

Revision ID: 0720
Revises: 0710

Both tables start empty and a "summaries" counter is added to data_versions; until the next
import (or `attendly verify --repair`) fills them the Overview adds up the summaries, as
before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0720"
down_revision = "0710"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overview_group_years",
        sa.Column("academic_year", sa.String(length=9), nullable=False),
        sa.Column("source_version", sa.BigInteger(), nullable=False),
        sa.Column("policy_key", sa.String(length=64), nullable=False),
        sa.Column("truant_threshold", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("academic_year", name=op.f("pk_overview_group_years")),
    )
    op.create_table(
        "overview_groups",
        sa.Column("academic_year", sa.String(length=9), nullable=False),
        sa.Column("which", sa.String(length=6), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("grade_level", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("chronically_absent", sa.Integer(), nullable=False),
        sa.Column("days_enrolled", sa.BigInteger(), nullable=False),
        sa.Column("days_present", sa.BigInteger(), nullable=False),
        sa.Column("present_periods", sa.BigInteger(), nullable=False),
        sa.Column("scheduled_periods", sa.BigInteger(), nullable=False),
        sa.Column("truant", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "academic_year",
            "which",
            "school_id",
            "grade_level",
            "tier",
            name=op.f("pk_overview_groups"),
        ),
    )
    versions = sa.table("data_versions", sa.column("name"), sa.column("version"))
    op.execute(versions.insert().values(name="summaries", version=1))


def downgrade() -> None:
    op.execute("DELETE FROM data_versions WHERE name = 'summaries'")
    op.drop_table("overview_groups")
    op.drop_table("overview_group_years")
