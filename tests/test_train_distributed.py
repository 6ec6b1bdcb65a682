"""Multi-process training: DDP over gloo on 2 CPU processes; FSDP / DeepSpeed configs.

The FSDP and DeepSpeed configs in examples/accelerate/ are checked here by loading
them the way ``accelerate launch`` does; running them needs GPUs (tests marked ``gpu``,
skipped without CUDA).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("trl")
pytest.importorskip("accelerate")

from semcoder.tasks import read_jsonl, rows_from_cruxeval, write_jsonl  # noqa: E402
from semcoder.tiny import TinyModelSpec, build_tiny_model  # noqa: E402

ROOT = Path(__file__).parents[1]
CONFIGS = ROOT / "examples" / "accelerate"
CRUX = ROOT / "tests" / "data" / "cruxeval-dev" / "cruxeval-dev.jsonl"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("dist")
    model = build_tiny_model(base / "tiny", spec=TinyModelSpec(num_layers=2))
    write_jsonl(rows_from_cruxeval(read_jsonl(CRUX)[:40]), base / "rows" / "train.jsonl")
    return model, base / "rows"


def _free_port() -> int:
    # torchrun's rendezvous does not pick a port by itself (port 0 hangs): ask the OS for one.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _train_args(model: Path, rows: Path, out: Path, steps: int) -> list[str]:
    return ["-m", "semcoder.cli", "train", "--model", str(model), "--data", str(rows), "--out", str(out),
            "--max-steps", str(steps), "--batch-size", "2", "--max-length", "256", "--lr", "1e-3",
            "--logging-steps", "2", "--eval-fraction", "0", "--threads", "1", "--save-steps", "100"]  # fmt: skip


@pytest.mark.slow
def test_ddp_over_gloo_on_two_cpu_processes(setup: tuple[Path, Path], tmp_path: Path) -> None:
    model, rows = setup
    out = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
               "--master_port", str(_free_port()), *_train_args(model, rows, out, 6)]  # fmt: skip
    done = subprocess.run(command, env=_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "train_result.json").read_text())
    assert result["world_size"] == 2 and result["distributed"] == "ddp"
    assert result["global_step"] == 6
    # The main process alone writes the log and prints the summary.
    assert done.stdout.count('"world_size": 2') == 1
    losses = [
        json.loads(line)["loss"] for line in (out / "train_log.jsonl").read_text().splitlines() if '"loss"' in line
    ]
    assert len(losses) >= 3 and all(loss == loss for loss in losses)
    assert (out / "model.safetensors").is_file()


def _launch_args(config: Path) -> object:
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser

    parser = launch_command_parser()
    args = parser.parse_args(["--config_file", str(config), "--num_processes", "2", "train.py"])
    return _validate_launch_command(args)[0]


def test_fsdp_config_loads_as_accelerate_launch_reads_it() -> None:
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.utils.launch import prepare_multi_gpu_env

    config = ClusterConfig.from_yaml_file(str(CONFIGS / "fsdp.yaml"))
    assert config.distributed_type.value == "FSDP" and config.mixed_precision == "bf16"
    args = _launch_args(CONFIGS / "fsdp.yaml")
    env = prepare_multi_gpu_env(args)
    assert env["ACCELERATE_USE_FSDP"] == "true" and env["FSDP_VERSION"] == "2"
    # The plugin the Trainer builds from that environment accepts every value.
    code = (
        "from accelerate.utils import FullyShardedDataParallelPlugin as P\n"
        "p = P()\n"
        "print(p.fsdp_version, p.state_dict_type.name, p.cpu_ram_efficient_loading, p.auto_wrap_policy.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env={**_env(), **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["2", "FULL_STATE_DICT", "True", "transformer_auto_wrap_policy"]


def test_deepspeed_zero3_config_loads() -> None:
    from accelerate.commands.config.config_args import ClusterConfig

    config = ClusterConfig.from_yaml_file(str(CONFIGS / "deepspeed_zero3.yaml"))
    assert config.distributed_type.value == "DEEPSPEED"
    json_path = ROOT / config.deepspeed_config["deepspeed_config_file"]
    settings = json.loads(json_path.read_text())
    assert settings["zero_optimization"]["stage"] == 3
    assert settings["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"] is True
    args = _launch_args(CONFIGS / "deepspeed_zero3.yaml")
    assert args.use_deepspeed and args.deepspeed_config_file == "examples/accelerate/deepspeed_zero3.json"
    try:
        import deepspeed  # noqa: F401
    except ImportError:
        return  # the Trainer-side check below needs deepspeed itself
    from transformers.integrations.deepspeed import HfTrainerDeepSpeedConfig

    assert HfTrainerDeepSpeedConfig(settings).is_zero3()


_needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.mark.gpu
@_needs_cuda
@pytest.mark.parametrize("config", ["fsdp.yaml", "deepspeed_zero3.yaml"])
def test_sharded_training_runs_on_gpu(setup: tuple[Path, Path], tmp_path: Path, config: str) -> None:
    if config.startswith("deepspeed"):
        pytest.importorskip("deepspeed")
    model, rows = setup
    out = tmp_path / config.split(".")[0]
    gpus = str(max(1, torch.cuda.device_count()))
    command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(CONFIGS / config),
               "--num_processes", gpus, *_train_args(model, rows, out, 6)]  # fmt: skip
    done = subprocess.run(command, env=_env(), capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out / "train_result.json").read_text())
    assert result["distributed"] == ("fsdp" if config == "fsdp.yaml" else "deepspeed")
    assert (out / "model.safetensors").is_file()
