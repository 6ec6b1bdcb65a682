"""Generate valid, coverage-guided inputs for a function and print them as CRUXEval-style asserts.

    python examples/generate_inputs.py

The first part runs the generator in this process (fine for code you wrote);
the second runs a small batch in sandbox workers, the way to treat code you did
not write: a function that kills its worker only loses its own result.
"""

from __future__ import annotations

from pytrace_sem import generate_inputs
from pytrace_sem.inputs import InputJob, InputOptions, generate_batch

SOURCE = '''\
def f(text, sep):
    parts = text.split(sep)
    if len(parts) > 3:
        return sep.join(reversed(parts))
    out = []
    for p in parts:
        if p.isupper():
            out.append(p.lower())
        elif p:
            out.append(p.upper())
    return "".join(out)
'''


def main() -> None:
    found = generate_inputs(SOURCE, "f", examples=["'ab-cd', '-'"], seed=0)
    print(f"{len(found.inputs)} inputs, branch coverage {found.branches_covered}/{found.branches_total}, "
          f"{found.candidates} candidates, rejected {found.rejected_counts}")
    for item in found.inputs:
        print(f"assert f({item.input}) == {item.output}")

    print("\nIn the sandbox:")
    jobs = [
        InputJob("split", SOURCE, "f", ("'ab-cd', '-'",)),
        InputJob("exits", "import os\ndef f(x):\n    os._exit(1)\n", "f", ("1",)),
        InputJob("always raises", "def f(x):\n    return x[99]\n", "f", ("[1]",)),
    ]
    for job, result in generate_batch(jobs, workers=2, options=InputOptions(max_candidates=100)):
        coverage = "-" if result.coverage is None else f"{100 * result.coverage:.0f}%"
        print(f"{job.id:>14}: {result.status:<15} {len(result.inputs)} inputs, coverage {coverage} {result.message}")


if __name__ == "__main__":
    main()
