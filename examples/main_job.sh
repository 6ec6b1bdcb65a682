#!/usr/bin/env bash
# The main job, end to end, on the bundled data (README's first command):
#
#   bash examples/main_job.sh            # about 15 minutes on 2 cores after a few minutes of install
#
#  1. a virtual environment in .venv (or $VENV) with this project and its `train` extra
#     (the CPU build of torch first: a bare requirement would pull a multi-GB CUDA build);
#  2. `semcoder corpus build`: the bundled functions -> sandboxed runs, coverage-guided
#     inputs, traces, forward/backward monologues (checked), PyX-R mutants with debugging
#     narratives, decontaminated against the evaluation sets            -> out/corpus
#  3. `semcoder corpus format`: the corpus -> chat rows for the SemCoder tasks -> out/tasks
#  4. a tiny Llama-style model built from scratch, fine-tuned on those rows with TRL, then
#     evaluated on held-out CRUXEval problems, HumanEval+/MBPP+ slices and trace-guided
#     refinement next to the `oracle` and `identity` baselines          -> out/demo
#
# Variables: PYTHON (the interpreter for the venv, default python3.11 or python3), VENV,
# OUT (default out), STEPS (training steps, default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONHASHSEED=0 PIP_DISABLE_PIP_VERSION_CHECK=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false
VENV=${VENV:-.venv}
OUT=${OUT:-out}
STEPS=${STEPS:-300}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}

step() { printf '\n== %s\n' "$*"; }

step "1/4 environment: $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import torch, trl, pytest, pytrace_sem, semcoder" 2>/dev/null; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q "torch==2.13.0"
    "$VENV/bin/python" -m pip install -q -e ".[train,test]"
fi
BIN="$VENV/bin"

step "2/4 corpus: bundled functions -> $OUT/corpus"
"$BIN/semcoder" corpus build --out "$OUT/corpus"
"$BIN/semcoder" corpus stats "$OUT/corpus"

step "3/4 training tasks -> $OUT/tasks"
"$BIN/semcoder" corpus format "$OUT/corpus" --out "$OUT/tasks"

step "4/4 tiny model: fine-tune on $OUT/tasks, evaluate -> $OUT/demo"
"$BIN/python" examples/train_tiny.py --rows "$OUT/tasks" --out "$OUT/demo" --steps "$STEPS" \
    --eval-limit 20 --code-limit 5 --refine-limit 3

step "done: corpus in $OUT/corpus, training rows in $OUT/tasks, model and results in $OUT/demo"
