"""subjects.sex: the child's administrative gender (FHIR), NULL while nobody recorded it

Revision ID: 0004_subject_sex
Revises: 0003_enrolled_on
Create Date: 2026-12-01 21:10:00

SDTM DM.SEX, the sex-specific default reference intervals of lab grading and the FHIR export
all need it. Staff enter it, or a screened FHIR record's Patient.gender fills it. Rows from
before this revision stay NULL: nothing stored says what it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_subject_sex"
down_revision = "0003_enrolled_on"
branch_labels = None
depends_on = None

# The database refuses anything else, whichever program writes the row.
_CHECK = "ck_subjects_sex"
_ALLOWED = "sex IS NULL OR sex IN ('female', 'male', 'other', 'unknown')"


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("sex", sa.String(8), nullable=True))
        batch.create_check_constraint(_CHECK, _ALLOWED)


def downgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.drop_constraint(_CHECK, type_="check")
        batch.drop_column("sex")
