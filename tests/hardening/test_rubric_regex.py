"""Issue 13, items 9 and 11: a rubric pattern that would hang every check (catastrophic backtracking) or that
only fails when compiled at review time is refused when the rubric loads, naming the file and the field."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from reviewer.cli import main
from reviewer.errors import ExitCode, RubricError
from reviewer.patterns import CuePattern, check_pattern
from reviewer.prompts import rubric_dir
from reviewer.rubric import load_rubric

BAD = [
    (r"(\w+\s?)+$", "catastrophic backtracking"),
    (r"(.*a)+x", "catastrophic backtracking"),
    (r"(?<=a+)b", "fixed-width"),
    (r"a{4294967295}", "too large"),
    ("(" * 2000 + "a" + ")" * 2000, "too deeply nested"),
]


@pytest.mark.parametrize(("pattern", "reason"), BAD, ids=["nested", "dot-star", "lookbehind", "huge", "deep"])
def test_a_dangerous_pattern_is_refused_at_load_naming_file_and_field(
    tmp_path: Path, pattern: str, reason: str
) -> None:
    copy = tmp_path / "rubric"
    shutil.copytree(rubric_dir(), copy)
    path = copy / "empathy.toml"
    text = path.read_text(encoding="utf-8").replace("patterns = [", "patterns = [" + _toml_literal(pattern) + ", ", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric([copy])
    line = str(caught.value)
    assert str(path) in line and "cues.0.patterns" in line and reason in line and "\n" not in line


def _toml_literal(pattern: str) -> str:
    return "'" + pattern + "'"


def test_candor_check_with_a_catastrophic_user_pattern_exits_2_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "team"
    extra.mkdir()
    (extra / "brevity.toml").write_text(
        'id = "brevity"\ntitle = "Brevity"\nquestion = "Short?"\ndefinition = "Busy clients."\nweight = 0.5\n'
        'order = 6\n[scale]\n1 = "a"\n2 = "b"\n3 = "c"\n4 = "d"\n5 = "e"\n[[cues]]\nid = "filler-words"\n'
        'severity = "minor"\nweight = -0.5\npatterns = [\'(\\w+\\s?)+$\']\nmessage = "Filler."\n',
        encoding="utf-8",
    )
    (tmp_path / "candor.toml").write_text(f"rubric_dirs = [{str(extra)!r}]\n", encoding="utf-8")
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Tom, " + "word " * 5000 + "!", encoding="utf-8")
    started = time.monotonic()
    code = main(["check", str(draft), "--config", str(tmp_path / "candor.toml")])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE and "brevity.toml" in err and "catastrophic" in err
    assert time.monotonic() - started < 5


def test_the_bundled_rubric_passes_the_check() -> None:
    assert len(load_rubric([rubric_dir()]).dimensions) >= 5


OVERLAPPING = [
    r"(a|aa)+$",  # "aa" is one "aa" or two "a": a run of a's splits in Fibonacci-many ways
    r"(\w|\d\d)+$",  # a digit is a \w or the start of \d\d
    r"(a|a)+",
    r"(?:a|b|ab)+",
    r"(a{1,2})+",  # the same choice written as a bounded repeat
    r"(x\w{1,3})+",  # \w{1,3} can also eat the next x
]


@pytest.mark.parametrize("pattern", OVERLAPPING)
def test_a_repeated_group_whose_alternatives_overlap_is_refused(pattern: str) -> None:
    error = check_pattern(pattern)
    assert error is not None and "catastrophic backtracking" in error and "(a|aa)+" in error


def test_overlapping_alternatives_really_backtrack_exponentially() -> None:
    """Why (a|aa)+ is refused: each extra character multiplies the work (measured, not assumed)."""
    regex = re.compile(r"(a|aa)+$")
    timings = []
    for n in (16, 24):
        started = time.perf_counter()
        regex.match("a" * n + "!")
        timings.append(time.perf_counter() - started)
    assert timings[1] > 10 * timings[0]


SAFE_LOOKALIKES = [
    r"(ab|a)+$",  # after the shared "a", "b" or the next "a": always one way
    r"(\w|-\w)+$",  # the alternatives start differently
    r"(\w|\d)+$",  # Python's parser merges one-character alternatives into one class, [\w\d]: linear
    r"(?:\.\d+)*",
    r"(?: \w+)+",
    r"(?:,\s*\w+)+",
    r"(?:\w{1,3}\s)+",
    r"(?>a|aa)+",  # an atomic group never gives back what it matched
]


@pytest.mark.parametrize("pattern", SAFE_LOOKALIKES)
def test_a_repeated_group_with_one_way_to_match_is_accepted_and_fast(pattern: str) -> None:
    assert check_pattern(pattern) is None
    started = time.perf_counter()
    re.compile(pattern).match("a1" * 5000 + "!")
    re.compile(pattern).match("a" * 10000 + "!")
    assert time.perf_counter() - started < 30  # a hang watchdog; exponential would be centuries


def test_every_shipped_rubric_pattern_passes_the_full_check_afresh() -> None:
    """The shipped rubric is checked without the prepared-pattern cache, so no pattern skips the new check."""
    rubric = load_rubric([rubric_dir()])
    patterns = {p for d in rubric.dimensions for c in d.cues for p in (*c.patterns, *c.unless)}
    assert len(patterns) > 100
    refused = []
    for pattern in patterns:
        try:
            CuePattern(pattern)
        except re.error as err:
            refused.append((pattern, str(err)))
    assert refused == []
