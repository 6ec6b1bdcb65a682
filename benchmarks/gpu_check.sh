#!/usr/bin/env bash
# GPU check for training and evaluation (issue 7), under 10 minutes on one H100, offline.
#
# It (1) runs the GPU-marked tests (FSDP through `accelerate launch`; DeepSpeed when
# installed), then (2) builds a small Llama-style model from scratch (about 30 M
# parameters; no hub), fine-tunes it in bf16 on the training rows and (3) evaluates
# it: CRUXEval-O/I on 50 held-out dev problems (direct and monologue prompting),
# HumanEval+ and MBPP+ slices, trace-guided refinement, next to the oracle and
# identity baselines. It prints the table and leaves these files in $OUT when the
# device tool sets it (else in out/gpu_check): report.md, results.json,
# train_result.json, train_log.jsonl, env.txt, pytest_gpu.log.
#
# Rows: the default corpus (`semcoder corpus build`, decontaminated against tests/data,
# then `semcoder corpus format`: all eight tasks). CORPUS=0 (or a failed build) uses the
# CRUXEval dev stand-in rows instead (problems 0-149; 150-199 are held out either way).
# Wheels the device image lacks (trl, datasets, dill, multiprocess, libcst; pyarrow
# if the image's is older than datasets needs) are installed from .whl/ and
# .whl-arrow/ when present (see docs/evaluation.md, "GPU check").
# STEPS=N changes the number of training steps (default 1500); GPU_TESTS=0 skips step 1.
# SMOKE=1 runs a few steps on whatever device there is (to test this script); WHEELS=0
# skips the wheel install (a machine that has the train extra already).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
PY=${PYTHON:-python3}
RESULTS=${OUT:-out/gpu_check}
WORK=${WORK:-/tmp/semcoder_gpu_check}
mkdir -p "$RESULTS" "$WORK"
started=$(date +%s)

wheels=$( [ "${WHEELS:-1}" = 1 ] && ls .whl/*.whl .whl-arrow/*.whl 2>/dev/null || true)
if [ -n "$wheels" ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site $wheels || exit 1
  export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}
else
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi

$PY - <<'PYEOF' 2>&1 | tee "$RESULTS/env.txt"
import platform, torch, transformers, trl, datasets, accelerate, peft, pyarrow
print("python", platform.python_version(), "| torch", torch.__version__, "| transformers", transformers.__version__,
      "| trl", trl.__version__, "| datasets", datasets.__version__, "| accelerate", accelerate.__version__,
      "| peft", peft.__version__, "| pyarrow", pyarrow.__version__)
print("device:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA device")
PYEOF
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "gpu_check: the training stack does not import; see env.txt"; exit 1; }

if [ "${SMOKE:-0}" = 1 ]; then
  size=(--steps 20 --batch-size 4 --eval-limit 4 --code-limit 2 --refine-limit 2 --max-new-tokens 32 --threads 1)
  model=(--vocab-size 2048 --hidden-size 128 --intermediate-size 352 --layers 2 --heads 4)
  tasks=(output_direct input_direct)
  modes=(direct)
else
  size=(--steps "${STEPS:-1500}" --batch-size 32 --lr 1e-3 --max-length 1024 --precision bf16 --threads 0
        --eval-limit 50 --code-limit 40 --refine-limit 20 --max-new-tokens 128 --eval-batch-size 64 --workers 8)
  model=(--vocab-size 8192 --hidden-size 512 --intermediate-size 1408 --layers 8 --heads 8)
  tasks=(output_direct input_direct output_monologue input_monologue)
  modes=(direct monologue)
fi

if [ "${GPU_TESTS:-1}" = 1 ]; then
  echo "== 1. GPU-marked tests (FSDP / DeepSpeed through accelerate launch)"
  $PY -m pytest -q -p no:cacheprovider -m gpu tests/test_train_distributed.py 2>&1 | tee "$RESULTS/pytest_gpu.log" | tail -15
fi

rows=()
if [ "${CORPUS:-1}" = 1 ]; then
  echo "== 2a. default corpus"
  if $PY -m semcoder.cli corpus build --out "$WORK/corpus" --workers 8 --decontaminate tests/data --overwrite && \
     $PY -m semcoder.cli corpus format "$WORK/corpus" --out "$WORK/rows"; then
    rows=(--rows "$WORK/rows")
  else
    echo "gpu_check: corpus build/format failed; training on the CRUXEval dev stand-in rows instead"
  fi
fi

echo "== 2-3. fine-tune a small model and evaluate it"
rm -rf "$WORK/run"
$PY examples/train_tiny.py --out "$WORK/run" "${rows[@]}" --tasks "${tasks[@]}" --modes "${modes[@]}" \
    "${size[@]}" "${model[@]}" 2>&1 | grep -vE "examples/s\]|it/s\]" | tail -40
status=${PIPESTATUS[0]}

cp "$WORK/run/report.md" "$WORK/run/sft/train_result.json" "$WORK/run/sft/train_log.jsonl" "$RESULTS/" 2>/dev/null
$PY - "$WORK/run/results" "$RESULTS/results.json" <<'PYEOF'
import json, sys, pathlib
runs = [json.loads(p.read_text()) for p in sorted(pathlib.Path(sys.argv[1]).glob("*.json"))]
slim = [{k: r[k] for k in ("benchmark", "model", "backend", "n", "settings", "metrics")} for r in runs]
pathlib.Path(sys.argv[2]).write_text(json.dumps(slim, indent=1) + "\n")
PYEOF
echo "gpu_check: finished in $(( $(date +%s) - started )) s (exit $status); files in $RESULTS"
exit "$status"
