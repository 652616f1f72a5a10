"""Issue 13, items 7, 8, 10 and 25: input within the limits is reviewed (or refused) in bounded time and memory:
`max_input_bytes` holds on pipes and devices, email shapes Python's parser is slow on are refused up front, and
the rules engine reviews 50,000-character adversarial drafts. Only a generous hang watchdog is timed here; how long
each input takes, against the 1 s target, is printed by `python benchmarks/bench_limits.py`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.errors import ExitCode
from tests.hardening.adversarial import HUGE_SUBJECT, RULES_DRAFTS, SLOW_MAIL

CANDOR = [sys.executable, "-m", "reviewer.cli"]


def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CANDOR_MAX_INPUT_BYTES": "100000"}
    return subprocess.run([*CANDOR, *args], capture_output=True, text=True, timeout=60, env=env, **kwargs)  # type: ignore[call-overload]


def test_a_device_is_read_only_up_to_max_input_bytes() -> None:
    result = run(["check", "/dev/zero"])
    assert result.returncode == ExitCode.USAGE and "over the 100,000-byte limit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_named_pipe_is_read_only_up_to_max_input_bytes(tmp_path: Path) -> None:
    fifo = tmp_path / "draft.txt"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"yes 'Hi Tom, sorry.' > {fifo}"])  # endless: only a limit stops it
    try:
        result = run(["check", str(fifo)])
    finally:
        writer.kill()
        writer.wait()
    assert result.returncode == ExitCode.USAGE and "over the 100,000-byte limit" in result.stderr


def test_closed_stdin_is_one_line_and_exit_2() -> None:
    result = run(["check", "-"], stdin=subprocess.DEVNULL)
    assert result.returncode == ExitCode.USAGE  # empty
    closed = subprocess.run(
        ["sh", "-c", f"{sys.executable} -m reviewer.cli check - <&-"], capture_output=True, text=True, timeout=60
    )
    assert closed.returncode == ExitCode.USAGE and "Traceback" not in closed.stderr
    assert len(closed.stderr.strip().splitlines()) == 1


def eml(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "mail.eml"
    path.write_bytes(data)
    return path


WATCHDOG = 60
"""Seconds after which an input counts as a hang. The time itself (a 1 s target) is measured by
`benchmarks/bench_limits.py`: a timed assertion on this shared machine fails under load, not under a regression."""


@pytest.mark.parametrize("name", sorted(SLOW_MAIL))
def test_email_shapes_the_parser_is_slow_on_are_refused_without_parsing_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    data, expected = SLOW_MAIL[name]
    started = time.monotonic()
    assert main(["check", str(eml(tmp_path, data))]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1
    assert time.monotonic() - started < WATCHDOG


def test_a_huge_encoded_subject_is_not_parsed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    assert main(["check", str(eml(tmp_path, HUGE_SUBJECT)), "--format", "json"]) in (ExitCode.OK, ExitCode.BLOCKED)
    assert "report ships" in capsys.readouterr().out
    assert time.monotonic() - started < WATCHDOG


@pytest.fixture(scope="module")
def warm_reviewer():  # type: ignore[no-untyped-def]
    from reviewer.service import Reviewer

    reviewer = Reviewer()
    reviewer.review_text("Hi Tom, sorry.")
    return reviewer


@pytest.mark.parametrize("name", sorted(RULES_DRAFTS))
def test_the_rules_engine_reviews_a_50000_character_adversarial_draft_without_hanging(warm_reviewer, name: str) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    review = warm_reviewer.review_text(RULES_DRAFTS[name])
    assert review.text == RULES_DRAFTS[name] and review.dimensions
    assert time.perf_counter() - started < WATCHDOG, name  # 8-28 s before the fix; the 1 s target is benchmarked


def test_the_scaffold_looks_for_a_cause_word_only_near_each_finding(warm_reviewer) -> None:  # type: ignore[no-untyped-def]
    """Issue 13 item 25: on unpunctuated prose (one 49,000-character sentence) the scaffold searched for "because"
    from the sentence start for each of ~550 findings (quadratic: 3.5 s of a 4.9 s review). Counted, not timed: the
    characters searched stay a small multiple of the draft."""
    from dataclasses import replace

    from reviewer.engines.rules import RulesEngine
    from reviewer.models import Message

    scanned = []
    rubric = warm_reviewer.rubric
    real = rubric.lexicon.causal

    class Counting:
        def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize):  # type: ignore[no-untyped-def]
            scanned.append(min(endpos, len(text)) - pos)
            return real.finditer(text, pos, endpos)

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(real, name)

    counted = replace(rubric, lexicon=replace(rubric.lexicon, causal=Counting()))
    draft = RULES_DRAFTS["unpunctuated-prose"]
    review = RulesEngine().review(Message(text=draft), counted)
    assert review.rewrite is not None and len(scanned) > 100
    assert sum(scanned) < 5 * len(draft), f"{sum(scanned):,} characters searched for {len(scanned)} findings"
