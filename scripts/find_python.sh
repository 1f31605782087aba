#!/usr/bin/env bash
# Prints the path of a Python 3.8-3.10 interpreter (Rasa 3.6 supports no other), or explains
# what to install and fails. $PYTHON, when set, is tried first.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if (3, 8) <= sys.version_info[:2] <= (3, 10) else 1)' 2>/dev/null; }
candidates=("${PYTHON:-}" python3.10 python3.9 python3.8)
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(10|9|8)\.[0-9]+$' | sort -t. -k2,2nr -k3,3nr); do
    candidates+=("$(pyenv prefix "$v" 2>/dev/null)/bin/python")
  done
fi
candidates+=(/usr/bin/python3.10 /usr/bin/python3.9 /usr/bin/python3.8 python3)
for c in "${candidates[@]}"; do
  [ -n "$c" ] || continue
  path=$(command -v "$c" 2>/dev/null) || continue
  # pyenv shims exist for versions that are not selected: ask the interpreter itself.
  if ok "$path"; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
cat >&2 <<'MSG'
No Python 3.8, 3.9 or 3.10 found. Rasa 3.6 does not install on Python 3.11 or newer.
Install Python 3.10 (e.g. `pyenv install 3.10.13`, or your system's python3.10 package with venv),
or point PYTHON at one: `make run PYTHON=/path/to/python3.10`.
MSG
exit 1
