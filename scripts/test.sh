#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then lint, types and tests
# (SQLite and a real PostgreSQL, Debian's chromium, DuckDB, Spark in local mode).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
uv sync --frozen --all-extras --quiet
# axe-core (accessibility checks injected into pages by the browser tests), from the npm registry.
[ -f node_modules/axe-core/axe.min.js ] || npm install --no-save --no-audit --no-fund --silent axe-core@4.10

echo "== ruff"; uv run ruff check . && uv run ruff format --check .
echo "== mypy (strict on the core)"; uv run mypy

pgdir=$(mktemp -d /tmp/trialdesk-pg.XXXXXX)
trap 'bash scripts/postgres-test-server.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
eval "$(bash scripts/postgres-test-server.sh start "$pgdir")"

echo "== pytest"
status=0
uv run pytest -n 2 --dist loadgroup -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
