#!/usr/bin/env bash
# The test command: install with the test extras, then the linters, the import-layer contract and the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
PY=${PYTHON:-python3}
$PY -m ruff check .
$PY -m ruff format --check .
$PY -c 'import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())'
$PY -m pytest -q
