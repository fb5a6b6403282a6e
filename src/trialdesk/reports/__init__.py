"""Rendering of reports: figures, HTML and PDF, and the snapshot adapters."""
