#!/usr/bin/env bash
# GPU readiness in one script (a single CUDA GPU, under 8 minutes): what the CPU machines never run.
#   1. bf16 + packing training through the real recipe (tiny corpus, the packaged SmolLM2 model)
#   2. the plan's GPU estimate against the measured training time
#   3. the evaluation of every pipeline on the GPU
#   4. `engrain serve --backend vllm` answering one request (skipped where vLLM is not installed)
# Each check prints one line: PASS, FAIL or SKIP, and why. Exit status: the number of FAILs.
#
#   bash bench/gpu_check.sh [WORKDIR]
#
# The machine needs torch with CUDA and engrain's dependencies; where it cannot reach a package
# index, carry wheels in .whl/ (see the device tool's notes) and they are installed first.
set -uo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/engrain-gpu-check}
PY=${PYTHON:-python3}
fails=0
say() { printf '%s\n' "$*"; }
check() { # name, then a command whose last output line is the detail
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then say "PASS $name: $(tail -n 1 <<<"$out")"; else
    say "FAIL $name: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; fails=$((fails + 1)); fi
}

if ! $PY -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  say "SKIP all: no CUDA GPU on this machine"; exit 0
fi
if ls .whl/*.whl >/dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
$PY -m pip install -q --no-deps --no-build-isolation -e . >/dev/null 2>&1 || export PYTHONPATH=$PWD:${PYTHONPATH:-}
rm -rf "$WORK" && mkdir -p "$WORK"

# A small project from the bundled demo domain; bf16 and packing forced on, the plan printed.
$PY - "$WORK" <<'EOF' || { say "FAIL setup: could not write the project"; exit 1; }
import sys
from pathlib import Path
from engrain.demo.domain import build_domain
from engrain.demo.project import write_demo_config
out = Path(sys.argv[1])
build_domain(out / "domain", seed=0)
write_demo_config(out, size="quick")
EOF
CFG="$WORK/engrain.toml"
SET=(--set train.bf16=on --set train.packing=on --set model.dtype=auto --set train.budget=none)

check "bf16 + packing training" bash -c "$PY -m engrain train -c '$CFG' ${SET[*]} 2>&1 | tee '$WORK/train.log' | tail -n 1"
check "plan vs measured (GPU)" $PY - "$WORK" <<'EOF'
import json, sys
from pathlib import Path
ws = Path(sys.argv[1]) / "workspace" / "train"
plan, result = json.loads((ws / "plan.json").read_text()), json.loads((ws / "train_result.json").read_text())
planned, taken = plan["train_s"], result["seconds"]
ratio = taken / max(planned, 1e-9)
print(f"planned {planned:.0f} s (this GPU, measured speed), took {taken:.0f} s (x{ratio:.2f}); "
      f"the CPU plan's {plan['gpu']} estimate: {plan['gpu_train_s']:.0f} s; bf16 {result['bf16']}, packing {result['packing']}")
sys.exit(0 if result["bf16"] and result["packing"] and 0.5 <= ratio <= 2.0 else 1)
EOF
check "evaluation on the GPU" bash -c "$PY -m engrain run -c '$CFG' ${SET[*]} 2>&1 | tee '$WORK/run.log' | tail -n 1"

if $PY -c 'import vllm' 2>/dev/null; then
  check "serve --backend vllm" bash -c "
    ($PY -m engrain serve -c '$CFG' --backend vllm --set serve.port=8765 >'$WORK/vllm.log' 2>&1 &) ;
    for i in \$(seq 1 90); do curl -sf localhost:8765/v1/models >/dev/null && break; sleep 2; done ;
    curl -sf localhost:8765/v1/chat/completions -H 'content-type: application/json' \
      -d '{\"model\": \"ft\", \"messages\": [{\"role\": \"user\", \"content\": \"hello\"}], \"max_tokens\": 8}' \
      | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"choices\"][0][\"message\"][\"content\"][:60])' ;
    status=\$? ; pkill -f 'vllm serve' ; exit \$status"
else
  say "SKIP serve --backend vllm: vLLM is not installed here"
fi
exit $fails
