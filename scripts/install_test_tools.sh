#!/usr/bin/env bash
# The tests' tools: Debian's Chromium (driven by Python Playwright; Playwright cannot download its
# own browsers here), Debian's nginx (the load balancer of the scale-out tests) and axe-core from
# npm, pinned by web_widget/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian's ${missing[*]} for the tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "The tests need Debian's ${missing[*]}: run 'apt-get install ${missing[*]}' as root." >&2
    exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
/usr/bin/chromium --version
/usr/sbin/nginx -v

if ! command -v npm >/dev/null; then
  echo "The browser tests need Node.js and npm (Debian: apt-get install nodejs npm)." >&2
  exit 1
fi
(cd web_widget && npm ci --no-audit --no-fund --silent)
