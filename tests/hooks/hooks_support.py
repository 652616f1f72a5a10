"""Drafts and helpers shared by the pre-send hook tests (gate, sendmail wrapper, git hooks, pre-commit, LSP).

The drafts are clearly poor or clearly good by what they say, not by a score: POOR blames the client (a critical
finding, which blocks whatever the scores) and promises nothing concrete; GOOD owns the miss, apologises, names
the impact, a new date, an owner and the next update.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

POOR = (
    "Hi Ana,\n\n"
    "The launch slipped because your team failed to send the files on time. We'll get to it ASAP.\n\n"
    "Thanks,\nSam\n"
)
POOR_QUOTE = "because your team failed"
GOOD = (
    "Hi Ana,\n\n"
    "I'm sorry: we missed the 3 June date because I underestimated the migration. I know your team planned "
    "the launch around it.\n\n"
    "New date: 17 June. Priya owns the plan, and I'll send you an update every Friday at 10:00. Happy to talk "
    "it through on a call.\n\n"
    "Best,\nSam\n"
)

CANDOR = str(Path(sys.executable).with_name("candor"))
"""The installed console script of this environment, as a hook would run it."""


def hook_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a real subprocess: the test's isolation (no user config, caches in tmp) plus a PATH
    that finds this environment's `candor` first."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["HOME"] = str(tmp_path / "home")
    (tmp_path / "home").mkdir(exist_ok=True)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    return env
