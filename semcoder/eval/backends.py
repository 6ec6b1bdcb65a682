"""Where answers come from: a model (Hugging Face ``generate`` or vLLM) or a model-free baseline.

Every benchmark turns its problems into :class:`Request` objects (the user turn
plus the facts a model-free backend needs) and asks a backend for ``samples``
responses per request::

    backend = make_backend("hf", model="out/tiny-sft")
    settings = GenerationSettings(samples=1, max_new_tokens=256, stop=("[/ANSWER]",))
    responses = backend.generate(requests, settings)   # one list of strings per request

The two baselines need no model. ``oracle`` answers from the ground truth that
pytrace_sem and the data give (it must score 100%: a check on the harness);
``identity`` echoes the input (the output-prediction answer is the argument
itself, the input-prediction answer is the output, generated code is the prompt
unchanged): a floor.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

from semcoder.errors import EvalError, MissingDependencyError

__all__ = [
    "Request",
    "GenerationSettings",
    "Backend",
    "HFBackend",
    "VLLMBackend",
    "OracleBackend",
    "IdentityBackend",
    "BACKENDS",
    "REQUEST_KINDS",
    "make_backend",
    "truncate_at_stop",
    "call_arguments",
]

#: What a request asks for; a model-free backend answers each kind its own way.
REQUEST_KINDS: tuple[str, ...] = ("cruxeval-output", "cruxeval-input", "code", "refine")


@dataclass(frozen=True, slots=True)
class Request:
    """One prompt: the user turn a model sees, and the facts a model-free backend needs.

    ``context`` keys by kind: ``cruxeval-output`` and ``cruxeval-input``: ``code``,
    ``input``, ``output``, ``function``; ``code``: ``prompt`` and ``reference``
    (a complete correct program); ``refine``: ``code`` (the program to fix) and
    ``reference``.
    """

    prompt: str
    kind: str
    context: Mapping[str, Any] = field(default_factory=dict)
    system: str | None = None

    def messages(self) -> list[dict[str, str]]:
        turns = [] if self.system is None else [{"role": "system", "content": self.system}]
        return turns + [{"role": "user", "content": self.prompt}]


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """How to sample: greedy when ``temperature`` is 0, otherwise nucleus sampling."""

    samples: int = 1
    temperature: float = 0.0
    top_p: float = 0.95
    max_new_tokens: int = 512
    stop: tuple[str, ...] = ()
    batch_size: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        if self.samples < 1:
            raise EvalError(f"--samples must be at least 1, got {self.samples}")
        if self.samples > 1 and self.temperature <= 0:
            raise EvalError(
                f"{self.samples} samples with temperature 0 would all be the same greedy answer; "
                "set --temperature above 0 (0.2 or 0.8 are usual) or use --samples 1"
            )
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise EvalError("--max-new-tokens and --batch-size must be at least 1")


class Backend(Protocol):
    """Anything that turns requests into responses: ``samples`` strings per request, in order."""

    name: str

    def generate(self, requests: Sequence[Request], settings: GenerationSettings) -> list[list[str]]: ...


def truncate_at_stop(text: str, stop: Sequence[str]) -> str:
    """Cut ``text`` just after the earliest stop string (kept, so closing tags stay parseable)."""
    cut = len(text)
    for s in stop:
        i = text.find(s)
        if i != -1:
            cut = min(cut, i + len(s))
    return text[:cut]


def call_arguments(args: str, function: str = "f") -> list[str]:
    """The source text of each argument in an argument string (``"[1, 2], 'a'"`` → two items).

    Text comes from the original string, so quotes and spacing are kept.
    """
    call = f"{function}({args})"
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return [args]
    if not isinstance(node, ast.Call):
        return [args]
    parts = []
    for arg in [*node.args, *node.keywords]:
        segment = ast.get_source_segment(call, arg)
        parts.append(segment if segment is not None else "")
    return parts


# -- models ------------------------------------------------------------------------


def _require(module: str, extra: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise MissingDependencyError(f"this backend needs {module}: pip install {extra}") from None


def _progress_bar(total: int, what: str) -> Any:
    """A progress bar on stderr when it is a terminal (none when piped or under ``-q``)."""
    from pytrace_sem.progress import Progress

    return Progress(total, what, unit="prompts").__enter__()


def _chat_prompt(tokenizer: Any, request: Request) -> str:
    from semcoder.train import SEMCODER_TEMPLATE

    template = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else None
    return tokenizer.apply_chat_template(
        request.messages(),
        tokenize=False,
        add_generation_prompt=True,
        chat_template=template or SEMCODER_TEMPLATE,
    )


class HFBackend:
    """Hugging Face ``generate``: batched, left-padded, greedy or sampled, with stop strings.

    ``model`` is a local folder or hub id; a folder holding a LoRA adapter
    (``adapter_config.json``) loads the base model with the adapter on top.
    """

    name = "hf"

    def __init__(self, model: str, *, device: str | None = None, dtype: str = "auto", threads: int = 0) -> None:
        _require("torch", "'pytrace-sem[train]'")
        _require("transformers", "'pytrace-sem[train]'")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads > 0:
            torch.set_num_threads(threads)
        self.model_name = model
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            if (Path(model) / "adapter_config.json").is_file():
                _require("peft", "'pytrace-sem[train]'")
                from peft import AutoPeftModelForCausalLM

                self.model = AutoPeftModelForCausalLM.from_pretrained(model, dtype=dtype)
            else:
                self.model = AutoModelForCausalLM.from_pretrained(model, dtype=dtype)
            self.tokenizer = AutoTokenizer.from_pretrained(model)
        except (OSError, ValueError) as exc:
            raise EvalError(f"cannot load model {model!r}: {exc}") from None
        self.model.to(self.device)
        self.model.eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def generate(self, requests: Sequence[Request], settings: GenerationSettings) -> list[list[str]]:
        import torch

        torch.manual_seed(settings.seed)
        prompts = [_chat_prompt(self.tokenizer, r) for r in requests]
        out: list[list[str]] = []
        eos = _eos_ids(self.tokenizer.eos_token_id, self.model.generation_config.eos_token_id)
        bar = _progress_bar(len(prompts), "generating")
        for start in range(0, len(prompts), settings.batch_size):
            batch = prompts[start : start + settings.batch_size]
            enc = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
            options: dict[str, Any] = dict(
                max_new_tokens=settings.max_new_tokens,
                num_return_sequences=settings.samples,
                pad_token_id=self.tokenizer.pad_token_id,
                eos_token_id=eos or None,
            )
            if settings.temperature > 0:
                options.update(do_sample=True, temperature=settings.temperature, top_p=settings.top_p)
            else:
                options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            if settings.stop:
                options.update(stop_strings=list(settings.stop), tokenizer=self.tokenizer)
            with torch.no_grad():
                generated = self.model.generate(**enc, **options)
            new = generated[:, enc["input_ids"].shape[1] :]
            texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
            for i in range(len(batch)):
                group = texts[i * settings.samples : (i + 1) * settings.samples]
                out.append([truncate_at_stop(t, settings.stop) for t in group])
            bar.advance(len(batch))
        bar.close()
        return out


class VLLMBackend:
    """vLLM's offline engine, when vLLM is installed (GPU machines)."""

    name = "vllm"

    def __init__(self, model: str, **engine_options: Any) -> None:
        _require("vllm", "vllm")
        from vllm import LLM  # type: ignore[import-not-found]

        self.model_name = model
        self.llm = LLM(model=model, **engine_options)
        self.tokenizer = self.llm.get_tokenizer()

    def generate(self, requests: Sequence[Request], settings: GenerationSettings) -> list[list[str]]:
        from vllm import SamplingParams  # type: ignore[import-not-found]

        params = SamplingParams(
            n=settings.samples,
            temperature=settings.temperature,
            top_p=settings.top_p if settings.temperature > 0 else 1.0,
            max_tokens=settings.max_new_tokens,
            stop=list(settings.stop) or None,
            include_stop_str_in_output=True,
            seed=settings.seed,
        )
        prompts = [_chat_prompt(self.tokenizer, r) for r in requests]
        results = self.llm.generate(prompts, params)
        return [[truncate_at_stop(o.text, settings.stop) for o in r.outputs] for r in results]


# -- model-free baselines ------------------------------------------------------------


def _answer_block(function: str, args: str, value: str) -> str:
    return f"[ANSWER]\nassert {function}({args}) == {value}\n[/ANSWER]"


def _program_output_reprs(requests: Sequence[Request], timeout: float) -> list[str | None]:
    # The true output, computed by running the code isolated from this process.
    from semcoder.eval.execution import call_reprs

    calls = [(r.context["code"], f"{r.context['function']}({r.context['input']})") for r in requests]
    return call_reprs(calls, timeout=timeout)


class OracleBackend:
    """Answers from the ground truth: it must score 100% on every benchmark.

    Output prediction: the code is run (in the sandbox) on the input and the
    answer is ``repr`` of the result. Input prediction: the benchmark's own input.
    Code and refinement: the reference solution.
    """

    name = "oracle"

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def generate(self, requests: Sequence[Request], settings: GenerationSettings) -> list[list[str]]:
        _check_kinds(requests)
        outputs: dict[int, str | None] = {}
        crux_out = [i for i, r in enumerate(requests) if r.kind == "cruxeval-output"]
        for i, value in zip(crux_out, _program_output_reprs([requests[i] for i in crux_out], self.timeout)):
            outputs[i] = value
        answers = []
        for i, r in enumerate(requests):
            c = r.context
            if r.kind == "cruxeval-output":
                value = outputs[i]
                text = "" if value is None else _answer_block(c["function"], c["input"], value)
            elif r.kind == "cruxeval-input":
                text = _answer_block(c["function"], c["input"], c["output"])
            elif r.kind == "code":
                text = f"[PYTHON]\n{c['reference']}\n[/PYTHON]"
            else:
                text = f"[Refined]\n{c['reference']}\n[/Refined]"
            answers.append([text] * settings.samples)
        return answers


class IdentityBackend:
    """Echoes the input: a floor that scores exactly where echoing happens to be right.

    Output prediction answers the argument (a tuple of them when there are several);
    input prediction answers the output as the argument; code generation and
    refinement hand back the prompt's code unchanged.
    """

    name = "identity"

    def generate(self, requests: Sequence[Request], settings: GenerationSettings) -> list[list[str]]:
        _check_kinds(requests)
        answers = []
        for r in requests:
            c = r.context
            if r.kind == "cruxeval-output":
                args = c["input"]
                value = args if len(call_arguments(args, c["function"])) == 1 else f"({args})"
                text = _answer_block(c["function"], args, value)
            elif r.kind == "cruxeval-input":
                text = _answer_block(c["function"], c["output"], c["output"])
            elif r.kind == "code":
                text = f"[PYTHON]\n{c['prompt']}\n[/PYTHON]"
            else:
                text = f"[Refined]\n{c['code']}\n[/Refined]"
            answers.append([text] * settings.samples)
        return answers


def _check_kinds(requests: Sequence[Request]) -> None:
    for r in requests:
        if r.kind not in REQUEST_KINDS:
            raise EvalError(f"a model-free backend cannot answer a {r.kind!r} request")


#: Backend names for ``--backend``.
BACKENDS: tuple[str, ...] = ("hf", "vllm", "oracle", "identity")


def make_backend(name: str, model: str | None = None, **options: Any) -> Backend:
    """Build a backend by name; ``hf`` and ``vllm`` need ``model`` (a folder or hub id).

    ``options`` go to the backend: ``threads`` and ``dtype`` for hf, engine options
    (``tensor_parallel_size``, ...) for vllm, ``timeout`` for oracle.
    """
    factories: dict[str, Callable[..., Backend]] = {
        "hf": HFBackend,
        "vllm": VLLMBackend,
        "oracle": OracleBackend,
        "identity": IdentityBackend,
    }
    if name not in factories:
        raise EvalError(f"unknown backend {name!r}; use one of {', '.join(BACKENDS)}")
    if name in ("hf", "vllm"):
        if not model:
            raise EvalError(f"the {name} backend needs --model (a local folder or a hub id)")
        return factories[name](model, **options)
    return factories[name](**options)


def _eos_ids(*found) -> list[int]:
    """End-of-sequence ids from the tokenizer and the generation config (each an id, a list or None)."""
    ids: list[int] = []
    for x in found:
        for i in x if isinstance(x, (list, tuple)) else [x]:
            if i is not None and i not in ids:
                ids.append(int(i))
    return ids
