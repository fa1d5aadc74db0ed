#!/usr/bin/env bash
# Install the peer tests' Node packages from the committed lock file (npm ci).
# Idempotent and quick when already installed: a stamp of the lock file's hash sits in
# node_modules; a changed lock file (or a missing node_modules) reinstalls.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.kiosk-lock-$(sha1sum package-lock.json | cut -c1-16)
if [ -f "$stamp" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
rm -f node_modules/.kiosk-lock-*
touch "$stamp"
