"""treatment and safety: visits, cycle starts, exposures, adverse events, lab AE suggestions,
data queries, tumour assessments, safety alerts and the SAE notification hook

Revision ID: 0002_treatment
Revises: 0001
Create Date: 2026-12-01 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_treatment"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_hooks",
        sa.Column("trial_id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("timeout_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trials.id"],
        ),
        sa.PrimaryKeyConstraint("trial_id"),
    )
    op.create_table(
        "adverse_events",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("meddra_code", sa.String(length=16), nullable=True),
        sa.Column("soc", sa.String(length=200), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("onset", sa.Date(), nullable=False),
        sa.Column("resolved", sa.Date(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("seriousness", sa.JSON(), nullable=False),
        sa.Column("attribution", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("dlt", sa.JSON(), nullable=False),
        sa.Column("sae_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_adverse_events_subject_id"), "adverse_events", ["subject_id"], unique=False
    )
    op.create_table(
        "data_queries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=False),
        sa.Column("check", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=128), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_data_queries_entity_id"), "data_queries", ["entity_id"], unique=False)
    op.create_index(
        op.f("ix_data_queries_subject_id"), "data_queries", ["subject_id"], unique=False
    )
    op.create_table(
        "safety_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("trial_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.String(length=36), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notify_error", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trials.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_safety_alerts_trial_id"), "safety_alerts", ["trial_id"], unique=False)
    op.create_table(
        "treatment_cycle_starts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_id", "cycle"),
    )
    op.create_index(
        op.f("ix_treatment_cycle_starts_subject_id"),
        "treatment_cycle_starts",
        ["subject_id"],
        unique=False,
    )
    op.create_table(
        "treatment_exposures",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("dose", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("route", sa.String(length=32), nullable=True),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("stop_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("height", sa.String(length=40), nullable=True),
        sa.Column("height_unit", sa.String(length=16), nullable=False),
        sa.Column("weight", sa.String(length=40), nullable=True),
        sa.Column("weight_unit", sa.String(length=16), nullable=False),
        sa.Column("interruptions", sa.JSON(), nullable=False),
        sa.Column("dose_status", sa.String(length=16), nullable=False),
        sa.Column("dose_check", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_treatment_exposures_start_date"),
        "treatment_exposures",
        ["start_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_treatment_exposures_subject_id"),
        "treatment_exposures",
        ["subject_id"],
        unique=False,
    )
    op.create_table(
        "treatment_subjects",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("left_before_dlt_window_end", sa.Boolean(), nullable=False),
        sa.Column("lab_baselines", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("subject_id"),
    )
    op.create_table(
        "treatment_visits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("visit_key", sa.String(length=64), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_id", "visit_key"),
    )
    op.create_index(
        op.f("ix_treatment_visits_subject_id"), "treatment_visits", ["subject_id"], unique=False
    )
    op.create_table(
        "tumour_assessments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("criteria", sa.String(length=16), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_id", "criteria"),
    )
    op.create_index(
        op.f("ix_tumour_assessments_subject_id"), "tumour_assessments", ["subject_id"], unique=False
    )
    op.create_table(
        "ae_suggestions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("observation", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("analyte", sa.String(length=64), nullable=True),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("onset", sa.Date(), nullable=True),
        sa.Column("term", sa.String(length=200), nullable=True),
        sa.Column("meddra_code", sa.String(length=16), nullable=True),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("adverse_event_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_events.id"],
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subjects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_id", "observation"),
    )
    op.create_index(
        op.f("ix_ae_suggestions_subject_id"), "ae_suggestions", ["subject_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ae_suggestions_subject_id"), table_name="ae_suggestions")
    op.drop_table("ae_suggestions")
    op.drop_index(op.f("ix_tumour_assessments_subject_id"), table_name="tumour_assessments")
    op.drop_table("tumour_assessments")
    op.drop_index(op.f("ix_treatment_visits_subject_id"), table_name="treatment_visits")
    op.drop_table("treatment_visits")
    op.drop_table("treatment_subjects")
    op.drop_index(op.f("ix_treatment_exposures_subject_id"), table_name="treatment_exposures")
    op.drop_index(op.f("ix_treatment_exposures_start_date"), table_name="treatment_exposures")
    op.drop_table("treatment_exposures")
    op.drop_index(op.f("ix_treatment_cycle_starts_subject_id"), table_name="treatment_cycle_starts")
    op.drop_table("treatment_cycle_starts")
    op.drop_index(op.f("ix_safety_alerts_trial_id"), table_name="safety_alerts")
    op.drop_table("safety_alerts")
    op.drop_index(op.f("ix_data_queries_subject_id"), table_name="data_queries")
    op.drop_index(op.f("ix_data_queries_entity_id"), table_name="data_queries")
    op.drop_table("data_queries")
    op.drop_index(op.f("ix_adverse_events_subject_id"), table_name="adverse_events")
    op.drop_table("adverse_events")
    op.drop_table("notification_hooks")
