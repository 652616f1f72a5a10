"""Issue 13, item 24: what fuzzing found (each a regression test that failed before its fix), and the fuzzer script
itself (fuzz/run.py), run for a few inputs per target so it is known to work."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.errors import ExitCode
from reviewer.sources import ReadOptions, Refused, iter_messages
from tests.conftest import ROOT


def test_a_jsonl_line_nested_thousands_deep_is_refused_in_its_place(tmp_path: Path) -> None:
    """Found by probing the JSONL reader: Python's decoder raised RecursionError and the whole batch was exit 3."""
    archive = tmp_path / "sent.jsonl"
    archive.write_text(
        json.dumps({"text": "Hi Tom, sorry: we missed the date."})
        + "\n"
        + '{"text": '
        + "[" * 100_000
        + "]" * 100_000
        + "}\n"
        + json.dumps({"text": "Hi Ana, the report ships on 4 May."})
        + "\n",
        encoding="utf-8",
    )
    items = list(iter_messages([archive], ReadOptions(), refused="yield"))
    assert [type(i).__name__ for i in items] == ["SourceMessage", "Refused", "SourceMessage"]
    refused = items[1]
    assert isinstance(refused, Refused) and str(refused.error) == f"{archive}#2: JSON nested too deeply to read"


def test_candor_batch_over_that_archive_reviews_the_rest_and_records_the_refusal(tmp_path: Path) -> None:
    archive = tmp_path / "sent.jsonl"
    archive.write_text('{"text": ' + "[" * 50_000 + "]" * 50_000 + "}\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    assert main(["batch", str(archive), "-o", str(out), "-q"]) == ExitCode.USAGE  # nothing reviewable: exit 2
    (error,) = [json.loads(line) for line in out.with_name("results.errors.jsonl").read_text().splitlines()]
    assert "nested too deeply" in error["error"]


HAS_ATHERIS = importlib.util.find_spec("atheris") is not None


@pytest.mark.skipif(not HAS_ATHERIS, reason="atheris is not installed (pip install -e '.[fuzz]')")
def test_the_fuzzer_runs_every_target_and_reports_no_finding(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "fuzz/run.py", "--runs", "50", "text", "jsonl", "reply"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["text", "jsonl", "reply"] and all(" ok" in x for x in lines)


def test_the_fuzzer_replays_a_saved_input_through_its_target(tmp_path: Path) -> None:
    saved = tmp_path / "crash-1"
    saved.write_bytes(b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}\n")
    done = subprocess.run(
        [sys.executable, "fuzz/run.py", "--replay", str(saved), "--target", "jsonl"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "passes the jsonl contract" in done.stdout, done.stderr


def test_the_fuzzer_says_what_is_missing_without_atheris_or_with_an_unknown_target() -> None:
    done = subprocess.run([sys.executable, "fuzz/run.py", "nope"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and ("no target 'nope'" in done.stderr or "atheris is not installed" in done.stderr)
