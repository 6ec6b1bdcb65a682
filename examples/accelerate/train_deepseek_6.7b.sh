#!/usr/bin/env bash
# The paper's recipe on one machine with 8 GPUs: full fine-tuning of
# deepseek-coder-6.7b-base at learning rate 1e-5 with a cosine schedule, on the
# task mixture that `semcoder corpus format` writes. The values live in
# examples/recipes/semcoder-6.7b.yaml; other values are this project's choices
# (see docs/training.md).
#
#   bash examples/accelerate/train_deepseek_6.7b.sh                  # FSDP
#   CONFIG=examples/accelerate/deepspeed_zero3.yaml bash examples/accelerate/train_deepseek_6.7b.sh
#
# 8 GPUs x batch 4 x accumulation 4 = 128 sequences of up to 2048 tokens per step.
set -euo pipefail
CONFIG=${CONFIG:-examples/accelerate/fsdp.yaml}
MODEL=${MODEL:-deepseek-ai/deepseek-coder-6.7b-base}
DATA=${DATA:-out/tasks}
RUN=${RUN:-out/semcoder-6.7b}
GPUS=${GPUS:-8}

accelerate launch --config_file "$CONFIG" --num_processes "$GPUS" -m semcoder.cli train \
  --config examples/recipes/semcoder-6.7b.yaml --model "$MODEL" --data "$DATA" --out "$RUN"

# Then, for example (vLLM when installed, else --backend hf):
#   semcoder eval cruxeval --data cruxeval-org/cruxeval --task output --monologue --model "$RUN" --backend vllm --out results/crux-o.json
