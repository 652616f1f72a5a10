"""Re-key a recording for the current recording key, without calling a model again.

    python -m evals.rekey evals/recordings/qwen2.5-coder-1.5b-instruct.jsonl

Each line keeps what the model was asked (`digest`: model, messages, sampling, reply schema) and its run and
attempt, so its key (`evals.recording.fingerprint`) can be recomputed from the line alone. Nothing is blessed: a
line recorded for a prompt that is no longer rendered keeps a digest no request matches, and stays stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from evals.recording import fingerprint_of, read_recording
from reviewer.atomic import write_atomic


def rekey(store_path: Path) -> int:
    """Rewrite the fingerprints in `store_path`; returns how many changed."""
    entries = read_recording(store_path)
    changed = 0
    for entry in entries:
        key = fingerprint_of(str(entry["digest"]), int(entry["run"]), int(entry["attempt"]))
        changed += key != entry["fingerprint"]
        entry["fingerprint"] = key
    lines = [json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n" for entry in entries]
    write_atomic(store_path, "".join(lines), mode=0o644)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m evals.rekey RECORDING.jsonl...", file=sys.stderr)
        return 2
    for path in paths:
        print(f"{path}: {rekey(Path(path))} fingerprints changed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
