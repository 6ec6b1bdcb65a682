"""A user's ``mypy --strict`` sees real types for the public API of both packages.

tests/typing/user_script.py calls every public entry point a user starts from; mypy
checks it with the packages' own modules followed silently, as it treats any installed
package that ships ``py.typed``. The script must check clean, and each ``reveal_type``
in it must name a real type, never ``Any``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "typing" / "user_script.py"


def test_public_api_type_checks_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental",
         "--cache-dir", str(tmp_path / "cache"), str(SCRIPT)],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )
    lines = done.stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    assert done.returncode == 0 and not errors, done.stdout + done.stderr
    revealed = [line.split("Revealed type is ", 1)[1] for line in lines if "Revealed type is" in line]
    assert len(revealed) == SCRIPT.read_text(encoding="utf-8").count("\nreveal_type(")
    assert revealed and not [r for r in revealed if "Any" in r], revealed


def test_both_packages_ship_py_typed() -> None:
    assert (ROOT / "pytrace_sem" / "py.typed").is_file() and (ROOT / "semcoder" / "py.typed").is_file()
