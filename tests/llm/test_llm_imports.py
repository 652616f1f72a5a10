"""The LLM stack stays out of `import reviewer`, the rules engine and cache hits (they must stay fast)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from llm_support import DRAFT, reply_json

from reviewer.cache import ReviewCache
from reviewer.config import Settings
from reviewer.engines.llm_backend import ScriptedBackend
from reviewer.engines.llm_stack import llm_engine
from reviewer.models import Message
from reviewer.rubric import Rubric

HEAVY = ("openai", "tiktoken", "langchain_core", "httpx2")


def heavy_modules_after(code: str, tmp_path: Path) -> list[str]:
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import sys, json
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
        """
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_building_the_llm_engine_loads_no_llm_stack(tmp_path: Path) -> None:
    code = """
        import reviewer, reviewer.cli, reviewer.llm_cli
        from reviewer.config import Settings
        from reviewer.engines import engine_names, get_engine
        assert {"llm", "rules+llm", "fake"} <= set(engine_names())
        engine = get_engine("rules+llm", Settings(model="m", base_url="http://127.0.0.1:9/v1"))
        assert engine.name == "rules+llm:m"
    """
    assert heavy_modules_after(code, tmp_path) == []


def test_rules_check_loads_no_llm_stack(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT)
    code = f"""
        import contextlib, io
        from reviewer.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            main(["check", {str(draft)!r}])
    """
    assert heavy_modules_after(code, tmp_path) == []


def test_a_cache_hit_loads_no_llm_stack(tmp_path: Path, rubric: Rubric) -> None:
    settings = Settings(model="m", base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path / "cache")
    cache = ReviewCache(tmp_path / "cache")
    llm_engine(settings, backend=ScriptedBackend([reply_json(rubric)]), cache=cache).review(Message(text=DRAFT), rubric)
    cache.close()
    code = f"""
        from pathlib import Path
        from reviewer.config import Settings
        from reviewer.engines import get_engine
        from reviewer.models import Message
        from reviewer.service import rubric_for
        settings = Settings(model="m", base_url="http://127.0.0.1:9/v1", cache_dir=Path({str(tmp_path / "cache")!r}))
        review = get_engine("llm", settings).review(Message(text={DRAFT!r}), rubric_for(settings))
        assert review.usage.cached, review.usage
    """
    assert heavy_modules_after(code, tmp_path) == []
