"""Labelled rewrite pairs for the fact check: (draft, rewrite, did the facts really change?).

Built from the corpus of messages written by others (`evals/data/realistic/{dev,test}.jsonl`), four per message:

- `scaffold`: the rules engine's scaffold rewrite (labelled unchanged: placeholders are not facts);
- `rephrase`: the draft reworded without touching a fact: sentences joined ("... today, and we ..."), dates and
  amounts written another way ("14 March" -> "March 14", "$4,000" -> "$4000"), contractions, a repeated name
  said once less;
- `changed`: one fact really changed: a number moved, a month swapped, a sentence holding a number or a name
  deleted, a name replaced, or an invented date added (the kind of change is in `how`);

plus `hand.jsonl`, pairs written by hand. The transformations choose what to change with their own plain regular
expressions, not with the fact checker they measure. Run `python -m evals.facts.pairs` to rebuild `pairs.jsonl`.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

from reviewer.atomic import write_atomic

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PAIRS = HERE / "pairs.jsonl"
HAND = HERE / "hand.jsonl"
MODEL = HERE / "model.jsonl"
"""Rewrites a real model wrote (the recorded Qwen2.5-Coder-1.5B replies), each labelled by a rater who never saw the
fact check's output."""
SOURCES = [ROOT / "evals/data/realistic/dev.jsonl", ROOT / "evals/data/realistic/test.jsonl"]

_MONTHS = "January February March April May June July August September October November December".split()
_DAY_MONTH = re.compile(r"\b(\d{1,2})(st|nd|rd|th)?\s+(" + "|".join(_MONTHS) + r")\b")
_AMOUNT = re.compile(r"([$€£])(\d{1,3}),(\d{3})\b")
_SENTENCE = re.compile(r"(?<=[a-z0-9][.!])\s+(?=[A-Z])")
_NUMBER = re.compile(r"(?<![\d.,:/$€£#-])\b(\d{1,4})\b(?![.,:/]\d)")
_MID_NAME = re.compile(r"(?<=[a-z,] )([A-Z][a-z]{2,})\b")
_ORDINARY = frozenset(
    "I Monday Tuesday Wednesday Thursday Friday Saturday Sunday Team Thanks Regards Please Dear".split() + _MONTHS
)


def load_messages() -> list[dict[str, Any]]:
    return [json.loads(line) for path in SOURCES for line in path.read_text(encoding="utf-8").splitlines() if line]


def rephrase(text: str) -> tuple[str, str]:
    """The text said another way with every fact kept, and what was done."""
    done = []
    out = _DAY_MONTH.sub(lambda m: f"{m.group(3)} {m.group(1)}", text)
    if out != text:
        done.append("dates reordered")
    new = _AMOUNT.sub(r"\1\2\3", out)
    if new != out:
        done.append("amounts without commas")
    out = new
    new = re.sub(r"\b([Ww]e|I) will\b", lambda m: f"{m.group(1)}'ll", out)
    new = re.sub(r"\b([Ww]e) are\b", lambda m: f"{m.group(1)}'re", new)
    if new != out:
        done.append("contractions")
    out = new
    parts = _SENTENCE.split(out)
    joined = False
    for i in range(len(parts) - 1):
        first, second = parts[i], parts[i + 1]
        word = second.split(" ", 1)[0]
        if first.endswith(".") and word in {
            "We",
            "If",
            "In",
            "While",
            "The",
            "This",
            "Our",
            "It",
            "As",
            "Once",
            "Please",
        }:
            parts[i] = first[:-1] + ", and"
            parts[i + 1] = second[0].lower() + second[1:]
            joined = True
            break
    if joined:
        done.append("two sentences joined")
        out = " ".join(parts) if "\n" not in out else _rejoin(out, parts)
    return out, ", ".join(done) or "unchanged"


def _rejoin(original: str, parts: list[str]) -> str:
    """Join the split sentences back with the whitespace they had."""
    gaps = [m.group(0) for m in _SENTENCE.finditer(original)]
    out = parts[0]
    for gap, part in zip(gaps, parts[1:], strict=False):
        out += (" " if out.endswith(", and") else gap) + part
    return out


def _in_brackets(text: str, at: int) -> bool:
    """Inside a `[placeholder]`: the writer's to fill, not a fact."""
    return text.rfind("[", 0, at) > text.rfind("]", 0, at)


def change(text: str, rng: random.Random) -> tuple[str, str] | None:
    """The text with one fact really changed, and how; None when it holds nothing to change."""
    options: list[str] = []
    # A fact said twice survives one copy being changed or deleted: only a value said once is a real change.
    once = [
        m
        for m in _NUMBER.finditer(text)
        if not _in_brackets(text, m.start()) and len(re.findall(rf"(?<![\d.,]){m.group(1)}(?![\d])", text)) == 1
    ]
    if once:
        options += ["number moved", "sentence with a number deleted"]
    if _DAY_MONTH.search(text):
        options.append("month swapped")
    names = [
        m
        for m in _MID_NAME.finditer(text)
        if m.group(1) not in _ORDINARY
        and not any(_in_brackets(text, o.start()) for o in re.finditer(rf"\b{m.group(1)}\b", text))
        and not re.search(rf"\b{m.group(1).lower()}\b", text)
    ]
    if names:
        options.append("name replaced")
    options.append("date invented")
    how = rng.choice(options)
    if how == "number moved":
        m = rng.choice(once)
        value = int(m.group(1)) + 1
        while re.search(rf"(?<![\d.,]){value}(?![\d])", text):
            value += 1
        return text[: m.start()] + str(value) + text[m.end() :], how
    if how == "sentence with a number deleted":
        parts = _SENTENCE.split(text)
        with_number = [i for i, p in enumerate(parts) if any(m.start() >= 0 and m.group(0) in p for m in once)]
        if not with_number:
            return None
        i = rng.choice(with_number)
        return " ".join(p for j, p in enumerate(parts) if j != i), how
    if how == "month swapped":
        m = rng.choice(list(_DAY_MONTH.finditer(text)))
        month = _MONTHS[(_MONTHS.index(m.group(3)) + 1) % 12]
        return text[: m.start(3)] + month + text[m.end(3) :], how
    if how == "name replaced":
        m = rng.choice(names)
        other = next(n for n in ("Jordan", "Priya", "Omar", "Keiko") if n not in text)
        return re.sub(rf"\b{m.group(1)}\b", other, text), how
    cut = text.rfind("\n\n")
    line = "We will have everything ready by 28 November."
    return (text[:cut] + "\n\n" + line + text[cut:] if cut > 0 else text + " " + line), how


def build() -> list[dict[str, Any]]:
    from reviewer import Reviewer

    reviewer = Reviewer()
    rng = random.Random(10)
    pairs: list[dict[str, Any]] = []
    for message in load_messages():
        draft, mid = message["text"], message["id"]
        rewrite = reviewer.review_text(draft).rewrite
        if rewrite is not None:
            pairs.append(
                {
                    "id": f"{mid}/scaffold",
                    "draft": draft,
                    "rewrite": rewrite.text,
                    "changed": False,
                    "how": "scaffold rewrite",
                }
            )
        said, how = rephrase(draft)
        if said != draft:
            pairs.append({"id": f"{mid}/rephrase", "draft": draft, "rewrite": said, "changed": False, "how": how})
        changed = change(draft, rng)
        if changed is not None and changed[0] != draft:
            pairs.append(
                {"id": f"{mid}/changed", "draft": draft, "rewrite": changed[0], "changed": True, "how": changed[1]}
            )
    return pairs


def load_pairs() -> list[dict[str, Any]]:
    """Every labelled pair: the built ones, the hand-written ones and the model rewrites (rated blind). A built pair
    stores only its rewrite; its draft is the corpus message its id names (so the corpus is not copied three times
    over)."""
    drafts = {m["id"]: m["text"] for m in load_messages()}
    rows = []
    for path in (PAIRS, HAND, MODEL):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if "draft" not in row:
            row["draft"] = drafts[row["id"].split("/", 1)[0]]
    return rows


def main() -> None:
    pairs = [{k: v for k, v in p.items() if k != "draft"} for p in build()]
    write_atomic(PAIRS, "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), mode=0o644)
    print(f"{len(pairs)} pairs -> {PAIRS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
