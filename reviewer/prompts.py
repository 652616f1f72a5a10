"""Find the prompt and rubric files: the only module that knows where `prompts/` lives.

Order: an explicit directory, then `CANDOR_PROMPTS_DIR`, then the copy inside an installed wheel
(`reviewer/_prompts`, put there by hatch's force-include), then the repository checkout's `prompts/` (an editable
install has no `_prompts`, so the checkout is the fallback).
"""

from __future__ import annotations

import os
from pathlib import Path

from reviewer.errors import RubricError

_PACKAGE = Path(__file__).resolve().parent


def prompts_dir(explicit: Path | None = None) -> Path:
    """The directory holding `rubric/` and the prompt files."""
    candidates: list[Path] = []
    if explicit is not None:
        candidates.append(explicit)
    elif env := os.environ.get("CANDOR_PROMPTS_DIR"):
        candidates.append(Path(env))
    else:
        candidates += [_PACKAGE / "_prompts", _PACKAGE.parent / "prompts"]
    for candidate in candidates:
        if (candidate / "rubric").is_dir():
            return candidate
    raise RubricError(f"prompts directory not found (looked in {', '.join(str(c) for c in candidates)})")


def rubric_dir(explicit: Path | None = None) -> Path:
    return prompts_dir(explicit) / "rubric"


def read_prompt(name: str, explicit: Path | None = None) -> str:
    """Text of a prompt file such as `review.md`."""
    path = prompts_dir(explicit) / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise RubricError(f"{path}: cannot read prompt: {err.strerror}") from None
