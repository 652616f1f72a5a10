"""The review cache: keyed on what changes the output and nothing else, private, never holding errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from llm_support import API_KEY, DRAFT, Reply, ScriptedServer, Status, reply_json

from reviewer.cache import ReviewCache, cache_key, default_cache_dir
from reviewer.config import Settings
from reviewer.engines.cached import CacheableEngine, CachedEngine
from reviewer.engines.fail_open import FailOpenEngine
from reviewer.engines.llm_prompt import PromptSet
from reviewer.engines.llm_stack import llm_engine
from reviewer.errors import EngineError
from reviewer.models import Message
from reviewer.rubric import Rubric
from reviewer.service import rubric_for


@pytest.fixture
def cache(tmp_path: Path) -> ReviewCache:
    return ReviewCache(tmp_path / "cache")


def key(settings: Settings, rubric: Rubric, message: Message | None = None, **kwargs: object) -> str:
    engine = llm_engine(settings, cache=None, **kwargs)  # type: ignore[arg-type]
    if isinstance(engine, FailOpenEngine):
        engine = engine.inner  # fail-open wraps outside the cache: what it wraps is what gets cached
    assert isinstance(engine, CacheableEngine)
    return cache_key(engine.cache_material(message or Message(text=DRAFT), rubric))


def test_key_ignores_what_does_not_change_the_output(settings: Settings, rubric: Rubric) -> None:
    base = key(settings, rubric)
    for change in (
        {"api_key": "sk-other"},
        {"timeout": 1.0},
        {"max_retries": 0},
        {"concurrency": 16},
        {"fail_open": True},
        {"send_at": 4.5, "block_below": 1.5},
        {"cache_dir": Path("/elsewhere")},
        {"prices": {"test-model": {"input": 9.0}}},
    ):
        assert key(settings.replace(**change), rubric) == base, change


def test_key_follows_what_changes_the_output(settings: Settings, rubric: Rubric, tmp_path: Path) -> None:
    base = key(settings, rubric)
    changed = [
        key(settings.replace(model="other"), rubric),
        key(settings.replace(base_url="http://127.0.0.1:9/v1"), rubric),
        key(settings.replace(temperature=0.3), rubric),
        key(settings.replace(max_output_tokens=99), rubric),
        key(settings.replace(token_budget=999), rubric),
        key(settings.replace(structured_output="json_object"), rubric),
        key(settings, rubric_for(Settings(disable=("empathy",)))),
        key(settings, rubric, Message(text=DRAFT + "!")),
        key(settings, rubric, Message(text=DRAFT, situation="outage")),
        key(settings, rubric, Message(text=DRAFT, client="Dana")),
        key(settings, rubric, run=1),
        key(settings, rubric, rules=True),
    ]
    prompts = PromptSet.load()
    edited = PromptSet(prompts.system + " ", prompts.review, prompts.rewrite, prompts.repair, hash="edited")
    changed.append(key(settings, rubric, prompts=edited))
    assert base not in changed and len(set(changed)) == len(changed)


def test_second_review_is_a_cache_hit(
    server: ScriptedServer, settings: Settings, rubric: Rubric, cache: ReviewCache
) -> None:
    server.then(Reply(reply_json(rubric)))
    engine = llm_engine(settings, cache=cache)
    first = engine.review(Message(text=DRAFT), rubric)
    second = engine.review(Message(text=DRAFT), rubric)
    assert len(server.requests) == 1
    assert not first.usage.cached and second.usage.cached and second.usage.cost_usd == 0.0
    assert second.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})
    assert cache.stats().entries == 1 and cache.stats().hits == 1


def test_a_hit_is_judged_by_the_gate_in_force(
    server: ScriptedServer, settings: Settings, rubric: Rubric, cache: ReviewCache
) -> None:
    server.then(Reply(reply_json(rubric)))
    draft = Message(text=DRAFT)
    strict = llm_engine(settings.replace(send_at=5.0, block_below=4.9), cache=cache).review(draft, rubric)
    lenient = llm_engine(settings.replace(send_at=1.0, block_below=1.0), cache=cache).review(draft, rubric)
    assert lenient.usage.cached and len(server.requests) == 1
    assert strict.verdict == "block" and lenient.verdict == "send"


def test_errors_are_never_cached(
    server: ScriptedServer, settings: Settings, rubric: Rubric, cache: ReviewCache
) -> None:
    server.then(Status(400), Reply(reply_json(rubric)))
    engine = llm_engine(settings, cache=cache)
    with pytest.raises(EngineError):
        engine.review(Message(text=DRAFT), rubric)
    assert cache.stats().entries == 0
    assert not engine.review(Message(text=DRAFT), rubric).usage.cached
    assert len(server.requests) == 2


def test_fail_open_fallbacks_are_never_cached(refused_url: str, rubric: Rubric, cache: ReviewCache) -> None:
    settings = Settings(model="m", base_url=refused_url, fail_open=True)
    review = llm_engine(settings, cache=cache).review(Message(text=DRAFT), rubric)
    assert review.engine == "rules"
    assert cache.stats().entries == 0


def test_cache_setting_off_means_no_cache(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.default = Reply(reply_json(rubric))
    engine = llm_engine(settings.replace(cache=False))
    assert not isinstance(engine, CachedEngine)
    engine.review(Message(text=DRAFT), rubric)
    engine.review(Message(text=DRAFT), rubric)
    assert len(server.requests) == 2


def test_default_cache_lives_in_the_configured_dir(settings: Settings, tmp_path: Path) -> None:
    engine = llm_engine(settings.replace(cache_dir=tmp_path / "c"))
    assert isinstance(engine, CachedEngine) and engine.cache.path == tmp_path / "c" / "reviews.sqlite3"


def test_default_cache_dir_is_the_user_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir(None) == tmp_path / "xdg" / "candor"


def test_files_are_private(server: ScriptedServer, settings: Settings, rubric: Rubric, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        cache = ReviewCache(tmp_path / "deep" / "cache")
        server.then(Reply(reply_json(rubric)))
        llm_engine(settings, cache=cache).review(Message(text=DRAFT), rubric)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    assert API_KEY.encode() not in cache.path.read_bytes()


def test_clear_empties_the_cache(
    server: ScriptedServer, settings: Settings, rubric: Rubric, cache: ReviewCache
) -> None:
    server.then(Reply(reply_json(rubric)))
    llm_engine(settings, cache=cache).review(Message(text=DRAFT), rubric)
    assert cache.clear() == 1
    assert cache.stats().entries == 0


def test_a_damaged_entry_is_a_miss(cache: ReviewCache, settings: Settings, rubric: Rubric) -> None:
    cache.get("warm-up")  # creates the table
    conn = cache._connect()
    conn.execute("INSERT INTO reviews VALUES ('k', 'llm', 'm', 0, 0, 'not json')")
    assert cache.get("k") is None


def test_an_unusable_cache_dir_is_bypassed_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = ReviewCache(blocker / "cache")
    assert cache.get("x") is None  # a review goes on without the cache (issue 13)
    assert "cannot open" in caplog.text and "--no-cache" in caplog.text and "reviewing without the cache" in caplog.text
