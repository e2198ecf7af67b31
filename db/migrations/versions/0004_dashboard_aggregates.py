"""dashboard aggregates: per-day totals by school and grade, per-student weekly sums

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 07:30:00.000000

The tables start empty; they are filled with the summaries (an import, a rollback or
db.summaries.refresh_all). A database upgraded with data in it needs one refresh_all.
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attendance_day_totals',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade_level', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('academic_year', sa.String(length=9), nullable=False),
    sa.Column('days_enrolled', sa.Integer(), nullable=False),
    sa.Column('days_absent', sa.Integer(), nullable=False),
    sa.Column('scheduled_periods', sa.Integer(), nullable=False),
    sa.Column('present_periods', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', 'grade_level', 'date')
    )
    op.create_index(op.f('ix_attendance_day_totals_academic_year'), 'attendance_day_totals', ['academic_year'], unique=False)
    op.create_table('student_week_summaries',
    sa.Column('student_id', sa.String(length=32), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('academic_year', sa.String(length=9), nullable=False),
    sa.Column('days_enrolled', sa.Integer(), nullable=False),
    sa.Column('days_absent', sa.Integer(), nullable=False),
    sa.Column('partial_days', sa.Integer(), nullable=False),
    sa.Column('scheduled_periods', sa.Integer(), nullable=False),
    sa.Column('present_periods', sa.Integer(), nullable=False),
    sa.Column('truancy_days', sa.Integer(), nullable=False),
    sa.Column('unverified_days', sa.Integer(), nullable=False),
    sa.Column('pct_total', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('student_id', 'week_start')
    )
    op.create_index('ix_student_week_summaries_year_week', 'student_week_summaries', ['academic_year', 'week_start'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_student_week_summaries_year_week', table_name='student_week_summaries')
    op.drop_table('student_week_summaries')
    op.drop_index(op.f('ix_attendance_day_totals_academic_year'), table_name='attendance_day_totals')
    op.drop_table('attendance_day_totals')
