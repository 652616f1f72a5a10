"""A draft below `send` that never says how the reader can follow up gets one closing line before its sign-off, and
that line's blank day is not credited as a time: the rewrite scores higher only for what the writer really adds."""

from __future__ import annotations

import json

import pytest

from reviewer import Reviewer
from reviewer.engines.rules import RulesEngine
from reviewer.facts import compare_facts
from reviewer.models import Message
from reviewer.rewrite import CLOSING_LINE, NOTICE_CLOSING_LINE, unfilled
from tests.conftest import ROOT
from tests.drafts import GOOD

REFUSAL = (
    "Hi Kasper,\n\nWe don't fit parts that customers bring in themselves, because we can't guarantee the repair. "
    "None of our suppliers sell separate cables for this model.\n\nKind regards,\nHenrik"
)
"""A reply refusing a request: nothing went wrong, so no missing element applies, and no phrase has a fix."""
PRICE_RISE = (
    "We regret that rising material costs force us to raise the price of all our handbags by 8%, starting "
    "March 1. We have no other option."
)
REALISTIC_DEV = [
    json.loads(line)
    for line in (ROOT / "evals/data/realistic/dev.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer()


def test_a_reply_with_no_way_to_follow_up_gets_the_closing_line_before_the_sign_off(reviewer: Reviewer) -> None:
    review = RulesEngine().review(Message(text=REFUSAL), reviewer.rubric)
    assert review.verdict != "send" and not review.missing
    rewrite = review.rewrite
    assert rewrite is not None and rewrite.overall is not None and review.overall is not None
    assert rewrite.text.count(CLOSING_LINE) == 1
    assert rewrite.text.endswith(CLOSING_LINE + "\n\nKind regards,\nHenrik")
    # The draft itself is kept word for word above the closing line.
    assert rewrite.text.startswith(REFUSAL.split("\n\nKind regards")[0])
    assert rewrite.overall > review.overall
    after = {d.id: d.score for d in rewrite.dimensions or ()}
    assert all(after[d.id] >= d.score for d in review.dimensions)
    assert compare_facts(REFUSAL, rewrite.text) == () and rewrite.changed_facts == ()


def test_the_closing_lines_blank_day_is_no_next_update(reviewer: Reviewer) -> None:
    rewrite = RulesEngine().review(Message(text=PRICE_RISE), reviewer.rubric).rewrite
    # A notice greets no one, so the reader is told where to ask rather than to reply.
    assert rewrite is not None and rewrite.text.endswith(NOTICE_CLOSING_LINE + "\n")
    as_it_stands = unfilled(rewrite.text, PRICE_RISE)
    assert "we'll get back to you ___." in as_it_stands and "by ___" not in as_it_stands
    again = RulesEngine().judge(Message(text=as_it_stands), reviewer.rubric)
    assert not [f for f in again.findings if f.family == "update"], "a blank day was read as a time"
    assert rewrite.dimensions == again.dimensions
    # Filled in, the same line is a dated promise and is credited as one.
    filled = RulesEngine().judge(Message(text=rewrite.text.replace("[reply day]", "Friday")), reviewer.rubric)
    assert [f for f in filled.findings if f.family == "update"]


@pytest.mark.parametrize(
    "offer",
    [
        "Let me know if you have questions.",
        "Questions? Just hit reply.",
        "I'll let you know when the parts arrive.",
        "If anything is unclear, reply to this email.",
        "We will keep you posted.",
        "Email help@example.com if the cable fails.",
        "For enquiries: {{BUSINESS_EMAIL}}",
    ],
)
def test_a_draft_that_already_offers_a_follow_up_gets_no_second_one(reviewer: Reviewer, offer: str) -> None:
    text = REFUSAL.replace("\n\nKind regards", f" {offer}\n\nKind regards")
    review = RulesEngine().review(Message(text=text), reviewer.rubric)
    assert review.rewrite is None or CLOSING_LINE not in review.rewrite.text
    assert review.rewrite is None or NOTICE_CLOSING_LINE not in review.rewrite.text
    if review.rewrite is None and review.verdict != "send":
        assert any(n.startswith("No rewrite is suggested: no phrase or missing element") for n in review.notes)


def test_a_draft_that_can_be_sent_gets_no_closing_line(reviewer: Reviewer) -> None:
    for text in (GOOD, *(m["text"] for m in REALISTIC_DEV)):
        review = reviewer.review_text(text)
        if review.verdict == "send" and review.rewrite is not None:
            assert CLOSING_LINE not in review.rewrite.text and NOTICE_CLOSING_LINE not in review.rewrite.text


@pytest.mark.parametrize(
    ("signature", "sign_off"),
    [
        ("\n\n[Signature]\n", "[Signature]"),
        ("\n\nThanks,\n{{name}}", "Thanks,\n{{name}}"),
        ("\n\nWith warmest regards,\nThe Partnerships Team", "With warmest regards,\nThe Partnerships Team"),
    ],
)
def test_the_closing_line_goes_above_a_template_or_unlisted_sign_off(
    reviewer: Reviewer, signature: str, sign_off: str
) -> None:
    text = REFUSAL.split("\n\nKind regards")[0] + signature
    rewrite = RulesEngine().review(Message(text=text), reviewer.rubric).rewrite
    assert rewrite is not None
    assert rewrite.text.rstrip().endswith(CLOSING_LINE + "\n\n" + sign_off)


def test_on_messages_written_by_others_the_closing_line_is_added_once_and_never_beside_an_offer(
    reviewer: Reviewer,
) -> None:
    added = 0
    for message in REALISTIC_DEV:
        review = reviewer.review_text(message["text"])
        text = review.rewrite.text if review.rewrite else ""
        lines = text.count(CLOSING_LINE) + text.count(NOTICE_CLOSING_LINE)
        if not lines:
            continue
        added += 1
        assert lines == 1, message["id"]
        assert not any(f.family in {"update", "next_step", "invite", "options", "owner"} for f in review.findings)
        assert "Next steps:" not in text, message["id"]
        assert compare_facts(message["text"], text) == (), message["id"]
    assert added >= 5


def test_nearly_every_draft_below_send_gets_a_rewrite_that_scores_higher(reviewer: Reviewer) -> None:
    """Measured on the realistic dev split (tuning data; the test split is measured once, by `candor eval`)."""
    below = higher = 0
    for message in REALISTIC_DEV:
        review = reviewer.review_text(message["text"])
        if review.verdict == "send":
            continue
        below += 1
        rewrite = review.rewrite
        higher += rewrite is not None and rewrite.overall is not None and rewrite.overall > (review.overall or 0)
    # 83% (449 of 542): 90% until a re-review stopped crediting a "Next steps:" block of blanks for its length and
    # words (85%), and a sentence stopped going whole when it says more than its flagged words (a decision, an
    # instruction: 83%). Many of the rest are short support replies with no phrase or missing element to fix, or
    # drafts whose only fixes are placeholders still to fill. The guard is against a regression from here.
    assert higher >= 0.82 * below, (higher, below)
