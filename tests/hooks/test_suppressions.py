"""Suppressions and overrides: `<!-- candor: ignore RULE -->`, the X-Candor-Ignore header, the project's `ignore`
and `allow_phrases`, and the mail wrapper's send-anyway; each is noted in the output, never silent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hooks_support import GOOD, POOR, POOR_QUOTE
from test_sendmail import Sendmail, plain_mail

from reviewer.cli import main
from reviewer.config import Settings
from reviewer.errors import ExitCode
from reviewer.models import Finding, Message, Review
from reviewer.rubric import Rubric
from reviewer.service import Reviewer

BLAMING_BUT_GOOD = GOOD.replace("the migration.", "the migration, and because your team failed to send the files.")
"""A good draft with one sentence that blames the client: blocked by that finding alone."""


def review_of(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *flags: str) -> tuple[int, dict]:
    draft = tmp_path / "draft.md"
    draft.write_text(text)
    code = main(["check", str(draft), "--format", "json", *flags])
    return code, json.loads(capsys.readouterr().out)


def rules(document: dict) -> set[str]:
    return {f["rule"] for f in document["findings"]}


def test_an_inline_comment_ignores_a_rule_and_is_not_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, plain = review_of(tmp_path, capsys, BLAMING_BUT_GOOD)
    assert code == ExitCode.BLOCKED and "blame-client" in rules(plain)
    code, ignored = review_of(tmp_path, capsys, "<!-- candor: ignore blame-client -->\n" + BLAMING_BUT_GOOD)
    assert code == ExitCode.OK and ignored["verdict"] != "block"
    assert "blame-client" not in rules(ignored) and ignored["overall"] > plain["overall"]  # scored without it too
    assert "candor" not in ignored["text"] and POOR_QUOTE in ignored["text"]
    assert any("Ignored as asked (blame-client)" in n and POOR_QUOTE in n for n in ignored["notes"])


def test_a_family_name_ignores_every_rule_in_it_and_missing_elements_can_be_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, plain = review_of(tmp_path, capsys, POOR)
    vague = {r for r in rules(plain) if r.startswith("vague_timing-")}
    assert vague and any(m["id"] == "owner" for m in plain["missing"])
    _, ignored = review_of(tmp_path, capsys, POOR + "\n<!-- candor: ignore vague_timing, missing-owner -->\n")
    assert not rules(ignored) & vague
    assert not any(m["id"] == "owner" for m in ignored["missing"])


def test_a_name_that_matches_nothing_is_noted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, document = review_of(tmp_path, capsys, "<!-- candor: ignore blame-vendr -->\n" + POOR)
    assert any("blame-vendr matched nothing" in n for n in document["notes"])
    assert "blame-client" in rules(document)


def test_notes_appear_in_line_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("<!-- candor: ignore blame-client -->\n" + POOR)
    main(["check", str(draft), "--format", "line"])
    out = capsys.readouterr().out
    # At the message's first line, below the suppression comment (what the note is about is the whole message).
    assert f"{draft}:2:1: note candor: Ignored as asked (blame-client)" in out


def test_the_project_config_ignores_rules_and_allows_phrases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "candor.toml"
    config.write_text('allow_phrases = ["your team failed to send"]\n')
    code, allowed = review_of(tmp_path, capsys, POOR, "--config", str(config))
    assert "blame-client" not in rules(allowed)
    assert any("allow_phrases “your team failed to send”" in n for n in allowed["notes"])
    config.write_text('ignore = ["blame"]\n')
    _, ignored = review_of(tmp_path, capsys, POOR, "--config", str(config))
    assert not any(r.startswith("blame-") for r in rules(ignored))


class OneFinding:
    """An engine (as a model would) that flags one phrase the rules did not; for the service's own filter."""

    name = "scripted"

    def review(self, message: Message, rubric: Rubric) -> Review:
        from reviewer.engines.rules import RulesEngine

        review = RulesEngine().review(message.model_copy(update={"ignore": (), "allow": ()}), rubric)
        start = message.text.index("Priya")
        extra = Finding(
            rule="tone-cold", dimension="empathy", severity="critical", start=start, end=start + 5,
            quote="Priya", message="(scripted)",
        )  # fmt: skip
        return review.model_copy(update={"findings": (*review.findings, extra), "verdict": "block"})


def test_the_service_drops_what_an_engine_still_flags_and_judges_again() -> None:
    settings = Settings(ignore=("tone",))
    review = Reviewer(settings, engine=OneFinding()).review(Message(text=GOOD))
    assert "tone-cold" not in {f.rule for f in review.findings}
    assert review.verdict != "block" and any("tone-cold" in n for n in review.notes)


def test_an_ignore_header_in_a_mail_is_honoured_and_removed_before_sending(tmp_path: Path) -> None:
    sendmail = Sendmail(tmp_path)
    assert sendmail.run(plain_mail(BLAMING_BUT_GOOD)).returncode == 75
    header = b"X-Candor-Ignore: blame-client,\n vague_timing\nSubject:"
    done = sendmail.run(plain_mail(BLAMING_BUT_GOOD).replace(b"Subject:", header, 1))
    assert done.returncode == 0, done.stderr
    assert sendmail.received == plain_mail(BLAMING_BUT_GOOD)  # exactly the mail, less the X-Candor-Ignore field


def test_send_anyway_header_hands_a_blocked_mail_on_and_says_so(tmp_path: Path) -> None:
    sendmail = Sendmail(tmp_path)
    mail = plain_mail(POOR, crlf=True).replace(b"Subject:", b"X-Candor: send-anyway\r\nSubject:", 1)
    done = sendmail.run(mail)
    assert done.returncode == 0
    assert sendmail.received == plain_mail(POOR, crlf=True)
    err = done.stderr.decode()
    assert "blame-client" in err and "sent anyway (X-Candor: send-anyway)" in err


def test_send_anyway_flag_sends_a_mail_that_cannot_be_reviewed(tmp_path: Path) -> None:
    sendmail = Sendmail(tmp_path)
    binary_only = (
        b"From: sam@example.com\nTo: ana@example.com\nSubject: x\nMIME-Version: 1.0\n"
        b"Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
    )
    assert sendmail.run(binary_only).returncode == 75 and sendmail.received is None
    done = sendmail.run(binary_only, "--send-anyway")
    assert done.returncode == 0 and sendmail.received == binary_only
    assert b"not reviewed" in done.stderr and b"sent anyway (--send-anyway)" in done.stderr
