"""Token counting offline, the documented fallback, the budget and thread trimming, and cost."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llm_support import DRAFT, Reply, ScriptedServer, reply_json

from reviewer import tokens
from reviewer.config import Settings
from reviewer.engines.llm_stack import llm_engine
from reviewer.errors import EngineError
from reviewer.models import Message
from reviewer.rubric import Rubric


@pytest.fixture
def fresh_counter() -> Iterator[None]:
    tokens.token_counter.cache_clear()
    tokens._count.cache_clear()
    yield
    tokens.token_counter.cache_clear()
    tokens._count.cache_clear()


def test_counts_are_exact_cl100k() -> None:
    # Reference values from OpenAI's cl100k_base.
    assert tokens.count_tokens("tiktoken is great!") == 6
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("") == 0
    assert tokens.token_counter().exact and tokens.token_counter().name == "cl100k_base"


PIECES = [
    "\n", "\n\n", "\r\n", " ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\x0b", "\x1c", "\u2028", "\u0085",
    "a", "Word", "don't", "'s", "'LL", "3", "1234567", "14 March", ".", ":", "!?", "...", "---",
    "<<<DRAFT 3fa9c2b1d0>>>", "- 5: Owns it", '"quoted"', "é", "日本", "🙂", "\u200b", "#",
    "## transparency: Transparency",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_a_count_cut_after_newlines_adds_up_to_the_whole_count(parts: list[str]) -> None:
    """The counter counts a text in pieces cut after a newline before a non-space character (most of a prompt's
    pieces are the rubric's lines, counted once): the sum is the whole text's count, whatever meets at the cuts."""
    path = tokens._bundled_ranks_file()
    assert path is not None
    encoding = _encoding()
    text = "".join(parts)
    assert tokens.token_counter().count(text) == len(encoding.encode_ordinary(text))


def test_a_review_prompt_is_counted_as_a_whole() -> None:
    from reviewer.engines.llm_prompt import PromptSet
    from reviewer.service import rubric_for

    rubric = rubric_for(Settings())
    prompts = PromptSet.load()
    for draft in (DRAFT, DRAFT + "\n", "  " + DRAFT + ".\n\n", "Hi,\n\n- one\n- two:\n\n\tthree!\r\n"):
        for _, content in prompts.render(rubric, draft.strip() or draft, situation="delay", client="Dana"):
            assert tokens.token_counter().count(content) == len(_encoding().encode_ordinary(content))


_ENCODING: list[object] = []


def _encoding() -> Any:
    if not _ENCODING:
        path = tokens._bundled_ranks_file()
        assert path is not None
        _ENCODING.append(tokens._cl100k(path))
    return _ENCODING[0]


def test_every_model_is_counted_with_cl100k() -> None:
    text = "The deadline moved to 14 March."
    assert tokens.count_tokens(text, "gpt-4o") == tokens.count_tokens(text, "gemma3") == tokens.count_tokens(text)


def test_chat_overhead_is_added_per_message() -> None:
    one = tokens.count_tokens("hello world")
    assert tokens.count_messages(["hello world", "hello world"]) == 2 * (one + 4) + 3


def test_counting_needs_no_network_and_writes_no_cache(tmp_path: Path) -> None:
    """A fresh interpreter with sockets disabled and an empty TIKTOKEN_CACHE_DIR still counts exactly."""
    script = textwrap.dedent(
        """
        import socket, sys
        attempts = []
        def refuse(*args, **kwargs):
            attempts.append(args)
            raise OSError("network disabled by the test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from reviewer.tokens import count_tokens, token_counter
        print(count_tokens("tiktoken is great!"), token_counter().exact, len(attempts))
        """
    )
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    env = {"TIKTOKEN_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["6", "True", "0"]
    assert list(cache.iterdir()) == []


def test_missing_data_falls_back_to_the_documented_estimate(
    monkeypatch: pytest.MonkeyPatch, fresh_counter: None
) -> None:
    monkeypatch.setattr(tokens, "_bundled_ranks_file", lambda: None)
    counter = tokens.token_counter()
    assert not counter.exact and "chars/4" in counter.name
    text = "x" * 41
    assert tokens.count_tokens(text) == math.ceil(41 / 4) == 11


def test_corrupt_data_falls_back_too(monkeypatch: pytest.MonkeyPatch, fresh_counter: None, tmp_path: Path) -> None:
    bad = tmp_path / "cl100k_base.tiktoken"
    bad.write_bytes(b"aGVsbG8= 0\n")
    monkeypatch.setattr(tokens, "_bundled_ranks_file", lambda: bad)
    assert not tokens.token_counter().exact


def test_estimate_is_noted_in_the_review(
    monkeypatch: pytest.MonkeyPatch, fresh_counter: None, server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    monkeypatch.setattr(tokens, "_bundled_ranks_file", lambda: None)
    server.then(Reply(reply_json(rubric)))
    review = llm_engine(settings, cache=None).review(Message(text=DRAFT), rubric)
    assert any("estimates (chars/4)" in note for note in review.notes)


def test_cost_estimate() -> None:
    prices = {"m": {"input": 0.15, "output": 0.6}}
    assert tokens.estimate_cost("m", 1_000_000, 1_000_000, prices) == pytest.approx(0.75)
    assert tokens.estimate_cost("other", 10, 10, prices) is None


THREAD = (
    DRAFT
    + "\nOn Mon, 3 Mar 2025 at 09:12, Dana Client <dana@example.com> wrote:\n"
    + ("> We need the dashboard for the board meeting. Please confirm the date.\n" * 60)
)


def test_a_thread_over_the_budget_is_refused_not_cut(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    # Front ends strip quoted replies when they read a draft; text that still holds a thread was given as is, and
    # the engine reviews what it was given or nothing: it never cuts the draft itself.
    llm = llm_engine(settings.replace(token_budget=2600), cache=None)
    with pytest.raises(EngineError, match=r"over the token budget of 2600 \(token_budget\)"):
        llm.review(Message(text=THREAD), rubric)
    assert server.requests == []


def test_thread_within_budget_is_sent_whole(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply(reply_json(rubric)))
    review = llm_engine(settings.replace(token_budget=20_000), cache=None).review(Message(text=THREAD), rubric)
    assert review.text == THREAD
    assert not any("trimmed" in note for note in review.notes)
    assert "board meeting" in server.requests[0]["messages"][1]["content"]


def test_over_budget_without_a_thread_is_an_error_and_sends_nothing(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    llm = llm_engine(settings.replace(token_budget=500), cache=None)
    with pytest.raises(EngineError, match=r"over the token budget of 500 \(token_budget\)"):
        llm.review(Message(text=DRAFT), rubric)
    assert server.requests == []
