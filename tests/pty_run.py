"""Run a command on a pseudo-terminal, as a user at a terminal would: what it wrote, as text.

The progress and terminal-view tests use it to see what is drawn only on a terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *{argv!r}])
out = b''
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors='replace'))
"""


def on_a_terminal(argv: list[str], cwd: Path | None = None, **env: str) -> str:
    """stdout and stderr of ``python *argv`` on a pseudo-terminal (TERM=xterm-256color, no NO_COLOR), as one text.

    ``env`` adds variables (``NO_COLOR="1"``) to that environment.
    """
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM")}
    done = subprocess.run([sys.executable, "-c", _SCRIPT.format(argv=argv)], capture_output=True, text=True,
                          cwd=cwd, env={**base, "TERM": "xterm-256color", **env}, timeout=300)
    return done.stdout
