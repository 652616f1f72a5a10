"""The real console script in a real terminal: `candor tui FILE` inside tmux, driven by keys, read from the pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tui_helpers import DRAFT

TMUX = shutil.which("tmux")
CANDOR = Path(sys.executable).parent / "candor"

pytestmark = [
    pytest.mark.terminal,
    pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux) so there is no terminal"),
]


class Pane:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        return done.stdout

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "candor")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "candor", *keys)

    def wait_for(self, check: Callable[[str], bool], what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.text()
            if check(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the pane shows:\n{screen}")


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Pane]:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT + "\n", encoding="utf-8")
    socket = f"candor-test-{uuid.uuid4().hex[:12]}"
    pane = Pane(socket)
    command = f"{shlex.quote(str(CANDOR))} tui {shlex.quote(str(draft))}; echo CANDOR-EXITED $?; sleep 60"
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"}
    assert TMUX is not None
    subprocess.run(
        [TMUX, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "candor", "-x", "100", "-y", "30", command],
        check=True,
        env=env,
        cwd=tmp_path,
        timeout=10,
    )
    try:
        yield pane
    finally:
        pane.tmux("kill-server")
        socket_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (socket_dir / socket).unlink(missing_ok=True)


def test_candor_tui_shows_scores_in_a_real_terminal(pane: Pane, tmp_path: Path) -> None:
    assert CANDOR.exists(), f"console script missing: {CANDOR} (pip install -e .)"
    screen = pane.wait_for(lambda s: "Limited excuses" in s and "/5" in s, "the scores")
    for title in ("Transparency", "Empathy", "Accountability", "Solutions", "Limited excuses"):
        assert title in screen
    assert "draft.txt" in screen and "█" in screen
    assert "CANDOR-EXITED" not in screen

    pane.keys("C-n")  # next flagged phrase: its message shows under the editor
    pane.wait_for(lambda s: "Ctrl+F:" in s or "no automatic fix" in s, "the finding's message")

    pane.keys("End", " Thanks")  # typing marks the draft modified and is re-reviewed after the pause
    pane.wait_for(lambda s: "●" in s.splitlines()[0], "the unsaved marker")
    pane.keys("C-q")  # unsaved work: quitting asks first
    pane.wait_for(lambda s: "unsaved changes" in s, "the unsaved-work question")
    pane.keys("Tab", "Enter")  # Discard
    pane.wait_for(lambda s: "CANDOR-EXITED 0" in s, "a clean exit")
    assert (tmp_path / "draft.txt").read_text(encoding="utf-8") == DRAFT + "\n"
