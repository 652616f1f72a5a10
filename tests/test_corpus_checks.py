"""The realistic corpus's own checks (evals/data/realistic/check_corpus.py): the shipped corpus passes them, and a
second paraphrase of one message is caught."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parents[1] / "evals" / "data" / "realistic"


def _checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_corpus", HERE / "check_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(mid: str, url: str, text: str) -> dict[str, object]:
    words = len(text.split())
    return {
        "id": mid,
        "source_url": url,
        "source_site": "example.com",
        "situation": "delay",
        "kind": "sample letter",
        "original_words": words,
        "text": text,
        "paraphrase_words": words,
    }


FIRST = "We are sorry the kitchen fitting slipped again; the worktops now arrive on Friday and we fit them Monday."
SECOND = (
    "We are sorry that the kitchen fitting slipped again; the worktops now arrive Friday and we fit them on Monday."
)
OTHER = "Your invoice listed two visits where we made one, so we have refunded the second visit in full today."


def test_the_shipped_corpus_passes_its_checks() -> None:
    check = _checker()
    rows = [json.loads(line) for line in (HERE / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert check.check(rows, set()) == []


def test_a_second_paraphrase_of_one_message_is_a_near_duplicate() -> None:
    check = _checker()
    rows = [_row("zz-001", "https://example.com/p", FIRST), _row("zz-002", "https://www.example.com/p/", SECOND)]
    assert check.near_duplicates(rows) == ["zz-002: the same message as zz-001 (near duplicate)"]


def test_two_different_messages_of_one_page_are_not() -> None:
    check = _checker()
    same_page = [_row("zz-001", "https://example.com/p", FIRST), _row("zz-002", "https://example.com/p", OTHER)]
    assert check.near_duplicates(same_page) == []
