"""The adversarial inputs of issue 13 (items 7, 8 and 25), shared by the behaviour tests
(tests/hardening/test_limits.py) and the timing benchmark (benchmarks/bench_limits.py): both see the same inputs."""

from __future__ import annotations

N = 49_000
"""Just under the 50,000-character limit."""

RULES_DRAFTS = {
    "run-of-spaces": "Hi" + " " * N + "sorry ASAP",
    "sorry-repeated": "sorry " * (N // 6),
    "asap-lines": "ASAP\n" * (N // 5),
    "unpunctuated-prose": (
        "we missed the deadline because your team did not send the files and we will fix it soon " * 600
    )[:N],
    "facts": ("by Friday 3 June at 10:00 we will ship $4,000 to ana@x.com on 2026-01-01 " * 700)[:N],
    "bullets": ("- sorry for the delay\n" * 3000)[:N],
    "shouting": ("YOUR TEAM FAILED AGAIN!!! " * 2000)[:N],
}
"""Drafts the rules engine was quadratic on (8-28 s each before the fixes)."""

HEAD = b"From: Sam <sam@example.com>\r\nMIME-Version: 1.0\r\n"

SLOW_MAIL = {
    "60k-parameters": (
        HEAD
        + b"Content-Type: multipart/mixed; boundary=b; "
        + b"; ".join(b"p%d=v" % i for i in range(60_000))
        + b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHi Tom, sorry.\r\n--b--\r\n",
        "parameters",
    ),
    "20k-parts": (
        HEAD
        + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n" for _ in range(20_000))
        + b"--b--\r\n",
        "MIME parts",
    ),
    "3000-deep": (
        HEAD
        + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(3000))
        + b"Content-Type: text/plain\r\n\r\nhi\r\n",
        "MIME parts",
    ),
}
"""Mails Python's parser is slow on (82-162 s, 10-15 s), refused up front: (bytes, what the refusal names)."""

HUGE_SUBJECT = (
    HEAD
    + b"Subject: "
    + b" ".join(b"=?utf-8?q?w%d?=" % i for i in range(60_000))
    + b"\r\nContent-Type: text/plain\r\n\r\nHi Tom, the report ships on 4 May.\r\n"
)
"""A 1.3 MB Subject of 60,000 encoded words (4.4 GB of memory at 20,000 before Candor stopped parsing it)."""

FACT_BODY = "On 14 March we moved 4,000 users (12% of accounts) to server 7; call Tom on +44 20 7946 0958. "


def long_rewrite(size: int) -> str:
    """A model rewrite of about `size` characters, dense with facts (compare_facts took 20 s at 216 KB)."""
    return FACT_BODY * (size // len(FACT_BODY))
