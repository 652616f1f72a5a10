"""Drafts the tests of every front end share: one that keeps trust, one that blames the client, one that is vague."""

from __future__ import annotations

from tests.conftest import ROOT

MESSAGES = ROOT / "tests/data/messages"
"""Real message files (.txt, .eml, mbox, ...) the input tests read."""
GOOD = (
    "Hi Ana, I'm sorry: we missed the 3 June date because I underestimated the migration. I know your team "
    "planned the launch around it. New date: 17 June. Priya owns the plan, and I'll send you an update every "
    "Friday at 10:00. Happy to talk it through on a call."
)
BLAMING = "Hi Ana, it slipped because your team didn't send the content on time. We'll get to it ASAP."
MEH = "Hi Ana, the report is late. We will send it soon."
