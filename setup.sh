#!/usr/bin/env bash
# Create .venv and install factbot with everything it needs (idempotent; about 4 minutes the
# first time, a few seconds after). torch is pinned to the CPU wheel in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
