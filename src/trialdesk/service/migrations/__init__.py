"""Alembic migrations, packaged with TrialDesk and run by ``trialdesk db upgrade``."""
