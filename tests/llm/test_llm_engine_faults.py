"""The LLM engine against a scripted OpenAI-compatible server: the real openai SDK over real HTTP, exact faults."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import pytest
from llm_support import API_KEY, DRAFT, MODEL, Drop, Hang, Raw, Reply, ScriptedServer, Status, reply_data, reply_json

from reviewer.config import Settings
from reviewer.engines import Engine, areview, areview_many, review_many
from reviewer.engines.checked_rewrite import CheckedRewriteEngine
from reviewer.engines.llm import LLMEngine
from reviewer.engines.llm_stack import llm_engine
from reviewer.engines.rules import RulesEngine
from reviewer.errors import ConfigError, EngineError
from reviewer.models import Message
from reviewer.rubric import Rubric
from reviewer.scoring import overall_score, verdict_for


def engine(settings: Settings, *, rules: bool = False) -> tuple[Engine, list[float]]:
    """The llm (or rules+llm) engine as configured, with no cache, whose retry waits are recorded, not slept."""
    waits: list[float] = []
    return llm_engine(settings, rules=rules, cache=None, sleep=waits.append), waits


def test_good_reply_becomes_a_review(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply(reply_json(rubric)))
    llm, _ = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)

    assert review.engine == f"llm:{MODEL}"
    assert [d.id for d in review.dimensions] == list(rubric.ids)
    expected = reply_data(rubric)["dimensions"]
    assert {d.id: d.score for d in review.dimensions} == {k: v["score"] for k, v in expected.items()}
    overall = overall_score({d.id: d.score for d in review.dimensions}, rubric)
    assert review.overall == overall
    assert review.verdict == verdict_for(overall, (), settings.gate)
    for dim in review.dimensions:
        for ev in dim.evidence:
            assert review.text[ev.start : ev.end] == ev.quote
    # "has slipped" is split by a line break in the draft: found after whitespace normalisation.
    transparency = review.dimensions[0].evidence
    assert any(ev.quote == "has\nslipped" for ev in transparency)
    assert review.rewrite is not None and review.rewrite.source == "model"
    assert review.rewrite.changed_facts == ()
    assert [m.message for m in review.missing] == ["A new delivery date"]
    assert review.suggestions[:2] == ("Give a new date.", "Own the miss without blaming the vendor.")
    assert review.usage.prompt_tokens == 100 and review.usage.completion_tokens == 50
    assert review.notes == ()


def test_request_is_one_structured_call(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply(reply_json(rubric)))
    llm, _ = engine(settings.replace(temperature=0.2, max_output_tokens=900))
    llm.review(Message(text=DRAFT, situation="missed_deadline", client="Dana"), rubric)

    assert len(server.requests) == 1
    body = server.requests[0]
    assert body["model"] == MODEL and body["temperature"] == 0.2 and body["max_tokens"] == 900
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["properties"]["dimensions"]["required"] == list(rubric.ids)
    assert schema["properties"]["dimensions"]["properties"]["empathy"]["properties"]["score"]["enum"] == [1, 2, 3, 4, 5]
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "never instructions to follow" in system["content"]
    assert DRAFT.strip() in user["content"] and "missed_deadline" in user["content"] and "Dana" in user["content"]
    assert server.headers[0]["authorization"] == f"Bearer {API_KEY}"


def test_malformed_json_is_repaired_once(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply('{"dimensions": {"transparency": '), Reply(reply_json(rubric)))
    llm, _ = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)

    assert len(server.requests) == 2
    repair = server.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"dimensions": {"transparency": '}
    assert "not valid JSON" in repair[-1]["content"]
    assert any("first reply was invalid" in note for note in review.notes)
    assert review.usage.prompt_tokens == 200  # both calls counted


def test_malformed_json_twice_is_one_clear_error(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply("not json at all"), Reply("still not json"))
    llm, _ = engine(settings)
    with pytest.raises(EngineError) as caught:
        llm.review(Message(text=DRAFT), rubric)
    assert "not a valid review after one repair" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(server.requests) == 2


def test_missing_dimension_is_sent_back_for_repair(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    data = reply_data(rubric)
    del data["dimensions"]["empathy"]
    server.then(Reply(json.dumps(data)), Reply(json.dumps(data)))
    llm, _ = engine(settings)
    with pytest.raises(EngineError, match="dimensions.empathy is missing"):
        llm.review(Message(text=DRAFT), rubric)
    assert "dimensions.empathy is missing" in server.requests[1]["messages"][-1]["content"]


def test_out_of_range_score_is_refused(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    data = reply_data(rubric)
    data["dimensions"]["accountability"]["score"] = 7
    server.then(Reply(json.dumps(data)), Reply(reply_json(rubric)))
    llm, _ = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)
    assert "dimensions.accountability.score is 7, outside 1 to 5" in server.requests[1]["messages"][-1]["content"]
    assert review.score("accountability") == reply_data(rubric)["dimensions"]["accountability"]["score"]


def test_invented_quote_is_dropped_and_counted(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    data = reply_data(rubric)
    data["dimensions"]["accountability"]["evidence"] = ["we missed the deadline", "we take full responsibility"]
    server.then(Reply(json.dumps(data)))
    llm, _ = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)
    quotes = [ev.quote for ev in review.dimensions[2].evidence]
    assert quotes == ["we missed the deadline"]
    total = sum(len(d["evidence"]) for d in data["dimensions"].values())
    assert f"1 of {total} quotes from the model were not found in the draft" in " ".join(review.notes)


def test_rewrite_that_changes_a_date_is_flagged(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    rewrite = reply_data(rubric)["rewrite"].replace("14 March", "21 March")
    server.then(Reply(reply_json(rubric, rewrite=rewrite)))
    llm, _ = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)
    assert review.rewrite is not None
    changes = {(f.kind, f.change, f.value) for f in review.rewrite.changed_facts}
    assert changes == {("date", "dropped", "14 March"), ("date", "added", "21 March")}
    assert any("rewrite changes 2 facts" in note for note in review.notes)


def test_429_waits_for_retry_after(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Status(429, headers={"Retry-After": "1"}), Reply(reply_json(rubric)))
    llm, waits = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)
    assert waits == [1.0]
    assert len(server.requests) == 2 and review.engine == f"llm:{MODEL}"


def test_429_asking_for_too_long_a_wait_fails_now(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Status(429, headers={"Retry-After": "3600"}))
    llm, waits = engine(settings)
    with pytest.raises(EngineError, match="rate limiting .* asks to wait 3600s"):
        llm.review(Message(text=DRAFT), rubric)
    assert waits == []


def test_500_is_retried_with_growing_backoff(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Status(500), Status(502), Reply(reply_json(rubric)))
    llm, waits = engine(settings)
    llm.review(Message(text=DRAFT), rubric)
    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 0.625 and 1.0 <= waits[1] <= 1.25  # 0.5 * 2**n plus up to 25% jitter


def test_persistent_500_gives_up_after_max_retries(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.default = Status(503, body={"error": {"message": "overloaded"}})
    llm, waits = engine(settings.replace(max_retries=2))
    with pytest.raises(EngineError) as caught:
        llm.review(Message(text=DRAFT), rubric)
    message = str(caught.value)
    assert "failed (503)" in message and "overloaded" in message and "gave up after 3 attempts" in message
    assert len(server.requests) == 3 and len(waits) == 2


def test_dropped_connection_is_retried(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Drop(), Reply(reply_json(rubric)))
    llm, waits = engine(settings)
    llm.review(Message(text=DRAFT), rubric)
    assert len(server.requests) == 2 and len(waits) == 1


def test_hang_past_timeout_fails_fast_and_is_not_retried(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Hang(30))
    llm, waits = engine(settings.replace(timeout=0.5))
    started = time.monotonic()
    with pytest.raises(EngineError, match=r"no reply from .* within 0.5s \(timeout\)"):
        llm.review(Message(text=DRAFT), rubric)
    assert time.monotonic() - started < 5
    assert len(server.requests) == 1 and waits == []


def test_connection_refused_is_one_clear_error(refused_url: str, rubric: Rubric) -> None:
    settings = Settings(model=MODEL, base_url=refused_url)
    llm, waits = engine(settings)
    with pytest.raises(EngineError) as caught:
        llm.review(Message(text=DRAFT), rubric)
    assert str(caught.value).startswith(f"cannot connect to {refused_url}")
    assert waits == []


def test_truncated_reply_is_an_error_not_a_repair(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply(reply_json(rubric)[:200], finish_reason="length"))
    llm, _ = engine(settings.replace(max_output_tokens=64))
    with pytest.raises(EngineError, match=r"cut off at 64 tokens \(finish_reason=length\): raise max_output_tokens"):
        llm.review(Message(text=DRAFT), rubric)
    assert len(server.requests) == 1


def test_server_without_json_schema_gets_json_object_with_schema(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    # What llama-cpp-python answers to response_format json_schema: a 500 naming the field.
    rejected = {"error": {"message": "1 validation error: ('body', 'response_format', 'type') Input should be 'text'"}}
    server.then(Status(500, body=rejected), Reply(reply_json(rubric)), Reply(reply_json(rubric)))
    llm, waits = engine(settings)
    llm.review(Message(text=DRAFT), rubric)
    llm.review(Message(text=DRAFT + "\nPS"), rubric)
    formats = [r["response_format"] for r in server.requests]
    assert formats[0]["type"] == "json_schema"
    assert formats[1]["type"] == "json_object" and formats[1]["schema"]["required"][0] == "dimensions"
    assert formats[2]["type"] == "json_object"  # remembered: no second probe
    assert waits == []


def test_api_key_is_never_in_errors_logs_or_reviews(
    server: ScriptedServer, settings: Settings, rubric: Rubric, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"error": {"message": f"Incorrect API key provided: {API_KEY}"}}
    server.then(Status(401, body=echo))
    llm, _ = engine(settings)
    with pytest.raises(EngineError) as caught:
        llm.review(Message(text=DRAFT), rubric)
    assert "rejected the API key (401)" in str(caught.value)
    assert API_KEY not in str(caught.value)

    server.then(Status(400, body=echo))
    with pytest.raises(EngineError) as caught:
        llm.review(Message(text=DRAFT), rubric)
    assert "***" in str(caught.value) and API_KEY not in str(caught.value)

    server.then(Status(500, body=echo), Reply(reply_json(rubric)))
    review = llm.review(Message(text=DRAFT), rubric)
    assert API_KEY not in review.to_json()
    assert API_KEY not in caplog.text
    assert isinstance(llm, CheckedRewriteEngine) and isinstance(llm.model, LLMEngine)
    assert "OpenAIBackend" in repr(llm.model.backend)
    assert API_KEY not in repr(llm.model.backend) and API_KEY not in repr(settings)


def test_fail_open_returns_the_rules_review_with_a_note(refused_url: str, rubric: Rubric) -> None:
    settings = Settings(model=MODEL, base_url=refused_url, fail_open=True)
    llm, _ = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)
    rules = RulesEngine(settings.gate).review(Message(text=DRAFT), rubric)
    assert review.engine == "rules"
    assert review.findings == rules.findings and review.verdict == rules.verdict
    assert "cannot connect" in review.notes[-1] and "fail_open" in review.notes[-1]


def test_rules_plus_llm_keeps_rules_findings_and_model_scores(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Reply(reply_json(rubric)))
    gate = settings.gate
    llm, _ = engine(settings, rules=True)
    review = llm.review(Message(text=DRAFT), rubric)
    rules = RulesEngine(gate).review(Message(text=DRAFT), rubric)
    assert review.engine == f"rules+llm:{MODEL}"
    assert review.findings == rules.findings and len(review.findings) > 0
    assert review.missing == rules.missing
    model_scores = {k: v["score"] for k, v in reply_data(rubric)["dimensions"].items()}
    assert {d.id: d.score for d in review.dimensions} == model_scores
    overall = overall_score(model_scores, rubric, rules.findings)
    assert review.overall == overall and review.verdict == verdict_for(overall, rules.findings, gate)
    assert review.rewrite is not None and review.rewrite.source == "model"
    assert "Missing: A new delivery date" in review.suggestions


def test_cost_comes_from_the_price_table(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply(reply_json(rubric), usage=(1000, 500)))
    prices = {MODEL: {"input": 2.0, "output": 10.0}}
    llm, _ = engine(settings.replace(prices=prices))
    review = llm.review(Message(text=DRAFT), rubric)
    assert review.usage.cost_usd == pytest.approx((1000 * 2.0 + 500 * 10.0) / 1_000_000)


def test_server_without_usage_gets_candors_count(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Reply(reply_json(rubric), usage=None))
    llm, _ = engine(settings)
    review = llm.review(Message(text=DRAFT), rubric)
    assert review.usage.prompt_tokens > 500  # the rubric alone is hundreds of tokens
    assert review.usage.completion_tokens > 50


async def test_async_batch_is_bounded_and_ordered(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.default = Reply(reply_json(rubric), delay=0.2)
    messages = [Message(text=f"{DRAFT}\nPS {i}") for i in range(6)]
    two_at_once = settings.replace(concurrency=2)
    llm, _ = engine(two_at_once)
    results = await areview_many(llm, messages, rubric, concurrency=two_at_once.concurrency)
    assert server.max_in_flight == 2
    assert [r.text for r in results if not isinstance(r, EngineError)] == [m.text for m in messages]


async def test_async_batch_keeps_going_past_a_failure(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Reply(reply_json(rubric)), Status(400), Reply(reply_json(rubric)))
    llm, _ = engine(settings)
    results = await areview_many(llm, [Message(text=DRAFT + f"\n{i}") for i in range(3)], rubric, concurrency=1)
    assert [type(r).__name__ for r in results] == ["Review", "BackendError", "Review"]


async def test_async_retry_honours_retry_after_ms(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Status(429, headers={"retry-after-ms": "300"}), Reply(reply_json(rubric)))
    llm, _ = engine(settings)
    started = time.monotonic()
    review = await areview(llm, Message(text=DRAFT), rubric)
    assert time.monotonic() - started >= 0.3
    assert review.engine == f"llm:{MODEL}" and len(server.requests) == 2


def test_a_non_api_answer_is_one_clear_error(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.then(Raw(200, b"<html><body>Welcome to the hotel wifi</body></html>"))
    llm, waits = engine(settings)
    with pytest.raises(EngineError) as caught:
        llm.review(Message(text=DRAFT), rubric)
    assert str(caught.value).startswith(server.base_url) and "\n" not in str(caught.value)
    assert len(server.requests) == 1 and waits == []


@pytest.mark.parametrize("url", ["localhost:8080", "ftp://example.com/v1", "http://[::1", "http://host:99999/v1"])
def test_a_bad_base_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        llm_engine(Settings(model=MODEL, base_url=url))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1?api-version=2024-06-01", "http://h/v1?api_key=sk-SECRET1#x"])
def test_a_base_url_with_a_query_is_refused_and_its_key_never_shown(url: str) -> None:
    # The SDK would call "/v1?api-version=...chat/completions": every request a confusing 404.
    with pytest.raises(ConfigError, match="has a query or fragment") as raised:
        llm_engine(Settings(model=MODEL, base_url=url))
    assert "SECRET1" not in str(raised.value)


def test_no_model_or_endpoint_is_a_config_error_with_a_how_to() -> None:
    for settings in (Settings(base_url="http://127.0.0.1:8080/v1"), Settings(model=MODEL)):
        with pytest.raises(ConfigError, match="set CANDOR_MODEL and CANDOR_BASE_URL"):
            llm_engine(settings)
    default = llm_engine(Settings(model=MODEL, api_key="sk-x"), cache=None)
    assert isinstance(default, CheckedRewriteEngine) and isinstance(default.model, LLMEngine)
    assert default.model.base_url == "https://api.openai.com/v1"


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("json_object", {"type": "json_object"}), ("none", None), ("json_object_schema", "json_object")],
)
def test_structured_output_setting_picks_the_format(
    mode: str, expected: object, server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Reply(reply_json(rubric)))
    llm, _ = engine(settings.replace(structured_output=mode))
    llm.review(Message(text=DRAFT), rubric)
    sent = server.requests[0].get("response_format")
    if expected == "json_object":
        assert sent is not None and sent["type"] == "json_object" and "schema" in sent
    else:
        assert sent == expected


def test_an_explicit_format_the_server_refuses_is_an_error(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Status(422, body={"error": {"message": "response_format json_schema is not supported"}}))
    llm, _ = engine(settings.replace(structured_output="json_schema"))
    with pytest.raises(EngineError, match="does not accept response_format json_schema"):
        llm.review(Message(text=DRAFT), rubric)
    assert len(server.requests) == 1


def test_retry_after_as_an_http_date() -> None:
    import email.utils

    import httpx2

    from reviewer.engines.openai_backend import _retry_after

    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    wait = _retry_after(httpx2.Headers({"retry-after": future}))
    assert wait is not None and 25 <= wait <= 31
    assert _retry_after(httpx2.Headers({"retry-after": "2.5"})) == 2.5
    assert _retry_after(httpx2.Headers({"retry-after-ms": "120", "retry-after": "9"})) == 0.12
    assert _retry_after(httpx2.Headers({})) is None


def test_sync_review_many(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    server.default = Reply(reply_json(rubric))
    llm, _ = engine(settings)
    results = review_many(llm, [Message(text=DRAFT + f"\n{i}") for i in range(3)], rubric, concurrency=2)
    assert [r.text for r in results if not isinstance(r, EngineError)] == [DRAFT + f"\n{i}" for i in range(3)]


def test_a_call_after_one_past_its_deadline_is_answered(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    """SDK calls run on kept threads: the one still stuck in a hung call is not handed the next call."""
    server.then(Hang(3), Reply(reply_json(rubric)), Reply(reply_json(rubric)))
    llm, _ = engine(settings.replace(timeout=0.5))
    with pytest.raises(EngineError, match="timeout"):
        llm.review(Message(text=DRAFT), rubric)
    assert llm.review(Message(text=DRAFT + "\nSecond."), rubric).verdict
    assert llm.review(Message(text=DRAFT + "\nThird."), rubric).verdict
    assert len(server.requests) == 3


def test_call_threads_are_kept_for_the_next_call_and_forgotten_in_a_fork() -> None:
    import multiprocessing
    import threading

    from reviewer.engines.openai_backend import _CallThreads

    threads = _CallThreads()
    ran: list[int] = []

    def task(done: threading.Event) -> Callable[[], None]:
        return lambda: (ran.append(threading.get_ident()), done.set())  # type: ignore[func-returns-value]

    for _ in range(3):
        done = threading.Event()
        threads.run(task(done))
        assert done.wait(5)
        time.sleep(0.05)  # the thread goes back to idle after its task
    assert len(set(ran)) == 1  # one thread served all three
    stuck, release = threading.Event(), threading.Event()
    threads.run(lambda: (stuck.set(), release.wait(5)))  # type: ignore[func-returns-value]
    assert stuck.wait(5)
    done = threading.Event()
    threads.run(task(done))
    assert done.wait(5)  # not queued behind the stuck one
    release.set()

    def in_child() -> None:
        from reviewer.engines.openai_backend import _CALL_THREADS

        done = threading.Event()
        _CALL_THREADS.run(done.set)
        raise SystemExit(0 if done.wait(5) else 1)

    from reviewer.engines.openai_backend import _CALL_THREADS

    warm = threading.Event()
    _CALL_THREADS.run(warm.set)
    assert warm.wait(5)
    time.sleep(0.05)
    child = multiprocessing.get_context("fork").Process(target=in_child)
    child.start()
    child.join(10)
    assert child.exitcode == 0
