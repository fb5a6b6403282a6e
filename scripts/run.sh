#!/usr/bin/env bash
# The main job on a fresh machine: installs TrialDesk and serves the web app on
# http://127.0.0.1:8000 with the embedded SQLite database and the seed trial NCT06948994 loaded.
# Extra arguments go to `trialdesk serve` (for example --demo for a synthetic study in progress).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
uv sync --frozen --all-extras --quiet
exec uv run trialdesk serve --host 127.0.0.1 --port 8000 "$@"
