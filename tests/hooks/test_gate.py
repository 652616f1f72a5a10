"""One gate for every hook: the formats (text, json, line), the thresholds, several files, and never a silent pass."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hooks_support import GOOD, POOR, POOR_QUOTE

from reviewer.cli import main
from reviewer.errors import ExitCode

LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<level>error|warning|note) (?P<rule>[\w-]+): .+$")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def lines(out: str) -> list[re.Match[str]]:
    parsed = [LINE.match(line) for line in out.splitlines()]
    assert all(parsed), out
    return [m for m in parsed if m]


def test_line_format_points_into_the_file_and_ends_with_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Leading blank lines, indentation and a quoted thread: positions must still be those of the file on disk.
    text = "\n\n  " + POOR.replace("Thanks,", "> earlier message\n> quoted\nThanks,")
    draft = write(tmp_path, "update.md", text)
    assert main(["check", str(draft), "--format", "line"]) == ExitCode.BLOCKED
    found = lines(capsys.readouterr().out)
    blame = next(m for m in found if m["rule"] == "blame-client")
    file_lines = text.split("\n")
    assert file_lines[int(blame["line"]) - 1][int(blame["col"]) - 1 :].startswith(POOR_QUOTE)
    assert blame["level"] == "error" and blame["path"] == str(draft)
    assert found[-1]["rule"] == "verdict" and found[-1]["level"] == "error"
    assert "blocked" in found[-1].group(0) and "blame-client" in found[-1].group(0)


def test_a_passing_draft_still_says_it_was_reviewed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(write(tmp_path, "good.txt", GOOD)), "--format", "line"]) == ExitCode.OK
    found = lines(capsys.readouterr().out)
    assert found and found[-1]["rule"] == "verdict" and "passes the gate" in found[-1].group(0)
    assert all(m["level"] != "error" for m in found)


def test_line_positions_in_an_email_point_at_the_body_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mail = "From: sam@example.com\nTo: ana@example.com\nSubject: launch\n\n" + POOR
    draft = write(tmp_path, "reply.eml", mail)
    assert main(["check", str(draft), "--format", "line"]) == ExitCode.BLOCKED
    found = lines(capsys.readouterr().out)
    blame = next(m for m in found if m["rule"] == "blame-client")
    assert mail.split("\n")[int(blame["line"]) - 1][int(blame["col"]) - 1 :].startswith(POOR_QUOTE)
    # What is about the whole message (missing elements, the verdict) sits at the body's first line, not a header's.
    verdict = found[-1]
    assert verdict["rule"] == "verdict" and mail.split("\n")[int(verdict["line"]) - 1] == POOR.split("\n")[0]


def test_the_text_report_names_the_same_email_lines_as_the_line_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An editor jumps to `--format line`'s places; the text a person reads must name the same lines, not the body's.
    mail = "From: sam@example.com\nTo: ana@example.com\nSubject: launch\n\n" + POOR
    draft = write(tmp_path, "reply.eml", mail)
    main(["check", str(draft), "--format", "line"])
    blame = next(m for m in lines(capsys.readouterr().out) if m["rule"] == "blame-client")
    main(["check", str(draft)])
    text = capsys.readouterr().out
    assert re.search(rf"^  {blame['line']}:{blame['col']}  critical  blame-client ", text, re.MULTILINE), text


def test_several_files_exit_with_the_worst_and_review_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, poor = write(tmp_path, "a.txt", GOOD), write(tmp_path, "b.txt", POOR)
    assert main(["check", str(good), str(poor), "--format", "line"]) == ExitCode.BLOCKED
    verdicts = [m for m in lines(capsys.readouterr().out) if m["rule"] == "verdict"]
    assert [m["path"] for m in verdicts] == [str(good), str(poor)]

    # A file that cannot be reviewed makes the run exit 2 even though the others were reviewed.
    missing = tmp_path / "missing.txt"
    assert main(["check", str(good), str(missing), str(poor), "--format", "json"]) == ExitCode.USAGE
    captured = capsys.readouterr()
    documents = [json.loads(line) for line in captured.out.splitlines()]
    assert [d["path"] for d in documents] == [str(good), str(missing), str(poor)]
    assert documents[0]["review"]["verdict"] == "send" and documents[2]["review"]["verdict"] == "block"
    assert documents[1]["exit_code"] == 2 and "no such file" in documents[1]["error"]
    assert captured.err.count("\n") == 1 and "missing.txt: no such file" in captured.err


def test_one_unreadable_file_is_exit_2_with_one_line_and_no_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(write(tmp_path, "empty.txt", "  \n")), "--format", "line"]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "nothing to review" in captured.err


def config(tmp_path: Path, body: str) -> str:
    return str(write(tmp_path, "candor.toml", body))


def test_a_dimension_threshold_blocks_a_draft_that_would_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = str(write(tmp_path, "good.txt", GOOD))
    assert main(["check", good, "--format", "json"]) == ExitCode.OK
    scores = {d["id"]: d["score"] for d in json.loads(capsys.readouterr().out)["dimensions"]}
    strict = config(tmp_path, f"[dimension_block_below]\naccountability = {scores['accountability'] + 1}\n")
    assert main(["check", good, "--config", strict, "--format", "line"]) == ExitCode.BLOCKED
    verdict = lines(capsys.readouterr().out)[-1].group(0)
    assert "accountability" in verdict and "dimension_block_below" in verdict
    lenient = config(tmp_path, f"[dimension_block_below]\naccountability = {scores['accountability']}\n")
    assert main(["check", good, "--config", lenient]) == ExitCode.OK


def test_block_on_chooses_which_severities_block(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A good draft with one vague promise: a major finding that does not block by default.
    draft = str(write(tmp_path, "vague.txt", GOOD.replace("New date: 17 June.", "We will fix it ASAP.")))
    assert main(["check", draft, "--format", "json"]) == ExitCode.OK
    review = json.loads(capsys.readouterr().out)
    severities = {f["severity"] for f in review["findings"]}
    assert review["verdict"] != "block" and severities & {"major", "minor"}
    strict = config(tmp_path, 'block_on = ["minor", "major", "critical"]\n')
    assert main(["check", draft, "--config", strict, "--format", "line"]) == ExitCode.BLOCKED
    found = lines(capsys.readouterr().out)
    assert any(m["level"] == "error" and m["rule"] != "verdict" for m in found)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('block_on = ["serious"]\n', "block_on"),
        ("[dimension_block_below]\ncharm = 2\n", "charm"),
        ('[dimension_block_below]\naccountability = "high"\n', "dimension_block_below"),
    ],
)
def test_a_bad_threshold_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, says: str
) -> None:
    good = str(write(tmp_path, "good.txt", GOOD))
    assert main(["check", good, "--config", config(tmp_path, body)]) == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and says in captured.err


def test_thresholds_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CANDOR_DIMENSION_BLOCK_BELOW", "accountability=6")
    assert main(["check", str(write(tmp_path, "good.txt", GOOD))]) == ExitCode.BLOCKED
    assert "accountability" in capsys.readouterr().out


def test_fail_on_revise_blocks_revise_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = str(write(tmp_path, "meh.txt", "Hi Ana, the report is late. We will send it soon."))
    assert main(["check", draft, "--format", "line"]) == ExitCode.OK
    assert lines(capsys.readouterr().out)[-1]["level"] == "warning"
    assert main(["check", draft, "--format", "line", "--fail-on", "revise"]) == ExitCode.BLOCKED
    verdict = lines(capsys.readouterr().out)[-1]
    assert verdict["level"] == "error" and "fail_on = revise" in verdict.group(0)


def test_the_fix_a_line_names_is_the_safe_fix_the_editor_and_the_tui_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Deleting only "because your team failed to send the content" would leave "...delayed  on time.": the line
    # names the whole clause; a blame whose sentence says more than it has no automatic fix, and says so.
    text = (
        "Hi Dana,\n\nThe launch is delayed because your team failed to send the content on time. "
        "We will ship it ASAP.\n\nYour team failed to send the figures, so the report is late and that is on "
        "you.\n\nSam\n"
    )
    main(["check", str(write(tmp_path, "late.txt", text)), "--format", "line"])
    out = capsys.readouterr().out
    assert "(fix: delete “because your team failed to send the content on time”)" in out, out
    assert "“Your team failed to send the figures”" in out and "(no automatic fix: reword it)" in out, out
    assert "(fix: 'by [date we can commit to]')" in out


@pytest.mark.parametrize(("overall", "shown"), [(2.58, "2.5"), (3.79, "3.7"), (3.8, "3.8"), (2.6, "2.6"), (5.0, "5.0")])
def test_a_shown_score_never_reaches_a_threshold_the_score_misses(overall: float, shown: str) -> None:
    from reviewer.gate import Gate, blocking_reasons, shown_score

    assert shown_score(overall) == shown
    reasons = blocking_reasons(overall, [], Gate())
    assert reasons == ([f"overall {shown} is below block_below 2.6"] if overall < 2.6 else [])


def test_every_problem_line_says_its_fix_or_that_there_is_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A phrase with no suggested replacement ("Mistakes were made") is told "no automatic fix" too, as the TUI
    says it, not left without a word."""
    text = "Hi Dana,\n\nMistakes were made, and the report slipped a bit. Just a quick note: it ships ASAP.\n\nSam\n"
    main(["check", str(write(tmp_path, "late.txt", text)), "--format", "line"])
    problems = [
        line for line in capsys.readouterr().out.splitlines() if not re.search(r" (missing-|verdict|candor:)", line)
    ]
    assert len(problems) >= 3, problems
    assert all("(fix: " in line or "(no automatic fix: reword it)" in line for line in problems), problems
