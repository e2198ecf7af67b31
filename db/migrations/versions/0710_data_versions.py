"""data versions: one counter bumped by every change of what the dashboards show

Revision ID: 0710
Revises: 0700
"""

import sqlalchemy as sa
from alembic import op

revision = "0710"
down_revision = "0700"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    op.bulk_insert(table, [{"name": "dashboards", "version": 1}])


def downgrade() -> None:
    op.drop_table("data_versions")
