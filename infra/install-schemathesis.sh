#!/usr/bin/env bash
# schemathesis from PyPI, into a project-local virtualenv (.venv), for the fuzzing test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -x .venv/bin/schemathesis ]; then
  .venv/bin/schemathesis --version
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check 'schemathesis==4.32.5'
.venv/bin/schemathesis --version
