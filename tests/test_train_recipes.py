"""Training recipes: ``semcoder train --config FILE.yaml``, read without training.

The shipped recipes (examples/recipes/) must turn into valid training configs; a
recipe's keys fill options the command line did not give; keys that are not ours go to
``trl.SFTConfig``; bad recipes fail with one clear line. Training from a recipe is in
tests/test_train.py (it needs torch).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from semcoder import _cmd_train
from semcoder.cli import build_parser, main
from semcoder.errors import TrainError
from semcoder.train import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
RECIPES = sorted((ROOT / "examples" / "recipes").glob("*.yaml"))


def _options(*argv: str) -> dict:
    args = build_parser().parse_args(["train", *argv])
    return _cmd_train.options(args)


def _config(options: dict) -> TrainConfig:
    names = {f for f in TrainConfig.__dataclass_fields__}
    values = {k: v for k, v in options.items() if k in names}
    for key in ("data", "tasks", "eval_data", "report_to"):
        values[key] = tuple(values[key])
    values["sft"] = dict(values["sft"])
    return TrainConfig(**values)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.stem)
def test_shipped_recipes_make_valid_configs(recipe: Path) -> None:
    config = _config(_options("--config", str(recipe)))
    assert config.model and config.data and config.out
    assert isinstance(config.learning_rate, float) and 0 < config.learning_rate < 1


def test_the_paper_recipe_says_what_the_paper_says() -> None:
    config = _config(_options("--config", str(ROOT / "examples" / "recipes" / "semcoder-6.7b.yaml")))
    assert config.model == "deepseek-ai/deepseek-coder-6.7b-base"
    assert config.learning_rate == 1e-5 and config.lr_scheduler == "cosine"
    assert config.sft == {"weight_decay": 0.0}  # not one of our options: passed to SFTConfig


def test_flags_win_over_the_recipe_and_the_recipe_over_defaults(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text("model: m\ndata: d\nout: o\nlearning_rate: 3e-4\nmax_steps: 50\nbatch_size: 2\n"
                      "neftune_noise_alpha: 5\nsft:\n  weight_decay: 0.1\n", encoding="utf-8")
    merged = _options("--config", str(recipe), "--max-steps", "7", "--sft", "weight_decay=0.2")
    assert merged["learning_rate"] == 3e-4  # "3e-4" is a string to YAML: read as the option's type
    assert merged["max_steps"] == 7 and merged["batch_size"] == 2 and merged["data"] == ["d"]
    assert merged["epochs"] == 2.0  # neither given nor in the recipe: the default
    assert dict(merged["sft"]) == {"neftune_noise_alpha": 5, "weight_decay": 0.2}
    plain = _options("--model", "m", "--data", "d", "--out", "o")
    assert plain["max_steps"] == -1 and plain["learning_rate"] == 1e-5 and plain["sft"] == []


@pytest.mark.parametrize(("text", "message"), [
    ("- a\n- b\n", "must be a mapping"),
    ("model: [unclosed\n", "not valid YAML"),
    ("model: m\ndata: d\nout: o\nlearning_rate: fast\n", "learning_rate must be a number"),
    ("learning_rate: 0.1\n", "--model and --data and --out must be given"),
])
def test_bad_recipes_fail_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
                                        message: str) -> None:
    recipe = tmp_path / "bad.yaml"
    recipe.write_text(text, encoding="utf-8")
    with pytest.raises(TrainError, match=message.replace("[", r"\[")):
        _options("--config", str(recipe))
    assert main(["train", "--config", str(recipe)]) == TrainError.exit_code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert main(["train", "--config", str(tmp_path / "missing.yaml")]) == TrainError.exit_code
    assert "cannot read recipe" in capsys.readouterr().err


def test_required_options_are_still_required_without_a_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--model", "m"]) == TrainError.exit_code
    assert "--data and --out must be given" in capsys.readouterr().err
    assert isinstance(build_parser().parse_args(["train", "--model", "m"]), argparse.Namespace)
