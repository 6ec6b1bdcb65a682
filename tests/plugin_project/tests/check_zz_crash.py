import os
import signal

import pytest

import flatmod


@pytest.mark.skipif(not os.environ.get("PLUGIN_PROJECT_CRASH"), reason="only in the crash-safety run")
def test_killed_halfway():
    assert flatmod.clamp(3, 0, 1) == 1
    os.kill(os.getpid(), signal.SIGKILL)
