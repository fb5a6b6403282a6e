"""TrialDesk."""
