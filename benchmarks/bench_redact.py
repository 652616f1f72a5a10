"""What redaction adds to an LLM review: planning the placeholders and mapping a reply back, on a real-sized draft
and on adversarial 50,000-character inputs (the input limit).

Figures, not asserts. The fact extraction redaction starts from (`reviewer.facts.extract_facts`) is timed apart:
it is cached per text and the rewrite's fact check pays it anyway, so a review pays it once with or without
redaction; "redaction" is the rest.

    .venv/bin/python benchmarks/bench_redact.py
"""

from __future__ import annotations

import statistics
import time

from reviewer.facts import extract_facts
from reviewer.redact import plan_redaction

REAL = (
    "Hi Dana,\n\nI'm sorry: invoice INV-2041 for $4,800 was charged twice to account 12345678, because we missed "
    "the deadline for the billing fix on 14 March. Priya Raman from Acme Corp will call you; reach her at "
    "priya.raman@acme.example or +44 20 7946 0958. Progress is on https://status.acme.example/incidents/42 and the "
    "refund of EUR 1,200 for invoice no. 88412 goes out by Friday.\n\nBest,\nSam Okafor\n"
) * 3
ADVERSARIAL = {
    "emails": "write to a@b.co now. ",
    "names": "Dana Priya Sam Okafor. ",
    "amounts": "$4,800 and EUR 1,200. ",
    "accounts": "account 12345678 invoice no. 88412 ",
    "digits": "1234567 ",
    "placeholder look-alikes": "[EMAIL_1] [EMAIL_R1] [EMAIL_RR1] ",
}
LIMIT = 50_000


def timed(text: str, repeat: int) -> tuple[float, float]:
    """Median ms of fact extraction (uncached) and of the redaction on top of it (facts cached)."""
    facts, rest = [], []
    for _ in range(repeat):
        extract_facts.cache_clear()
        clock = time.perf_counter()
        extract_facts(text)
        facts.append((time.perf_counter() - clock) * 1000)
        clock = time.perf_counter()
        plan = plan_redaction(text, client="Acme Corp")
        plan.restore(plan.redacted)
        rest.append((time.perf_counter() - clock) * 1000)
    return statistics.median(facts), statistics.median(rest)


def main() -> None:
    facts, rest = timed(REAL, 50)
    print(f"real draft ({len(REAL)} chars): facts {facts:.2f} ms, redaction + map back {rest:.2f} ms")
    for name, unit in ADVERSARIAL.items():
        text = (unit * (LIMIT // len(unit) + 1))[:LIMIT]
        facts, rest = timed(text, 3)
        print(f"{name:>24} x{LIMIT} chars: facts {facts:8.1f} ms, redaction + map back {rest:7.1f} ms")


if __name__ == "__main__":
    main()
