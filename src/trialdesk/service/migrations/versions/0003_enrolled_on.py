"""subjects.enrolled_on: the clinical enrollment date, apart from when it was recorded

Revision ID: 0003_enrolled_on
Revises: 0002_treatment
Create Date: 2026-12-01 19:45:00

The visit calendar is anchored on the enrollment date the coordinator gives, which may be
before the day the record is entered; ``enrolled_at`` stays the time it was recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_enrolled_on"
down_revision = "0002_treatment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("enrolled_on", sa.Date(), nullable=True))
    subjects = sa.table(
        "subjects",
        sa.column("enrolled_on", sa.Date()),
        sa.column("enrolled_at", sa.DateTime(timezone=True)),
    )
    # Rows enrolled before this revision: the recording day is the best date there is.
    op.execute(
        subjects.update()
        .where(subjects.c.enrolled_at.is_not(None))
        .values(enrolled_on=sa.cast(subjects.c.enrolled_at, sa.Date()))
    )


def downgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.drop_column("enrolled_on")
