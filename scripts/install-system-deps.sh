#!/usr/bin/env bash
# Installs the system packages TrialDesk's tests and reports need, from Debian's registry:
# chromium (browser tests), PostgreSQL (a real server for the storage tests), a Java runtime
# (Spark local mode), pango (WeasyPrint PDFs), poppler-utils (the report tests read PDFs back) and
# CJK fonts (Chinese in PDFs and screenshots).
# Installs only what is missing; safe to run again.
set -euo pipefail

missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in chromium postgresql libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk poppler-utils; do
  have_pkg "$pkg" || missing+=("$pkg")
done
command -v java >/dev/null 2>&1 || missing+=("default-jre-headless")

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
