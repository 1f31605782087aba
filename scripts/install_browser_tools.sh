#!/usr/bin/env bash
# The browser tests' tools: Debian's Chromium (driven by Python Playwright; Playwright cannot
# download its own browsers here) and axe-core from npm, pinned by web_widget/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium package for the browser tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "The browser tests need Debian's chromium package: run 'apt-get install chromium' as root." >&2
    exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
/usr/bin/chromium --version

if ! command -v npm >/dev/null; then
  echo "The browser tests need Node.js and npm (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
(cd web_widget && npm ci --no-audit --no-fund --silent)
