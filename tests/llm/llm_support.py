"""Helpers for the LLM engine tests: the scripted OpenAI-compatible server, a sample draft and model replies.

The scripted server is a stdlib `ThreadingHTTPServer` on 127.0.0.1. A script is a list of actions consumed one per
POST to /v1/chat/completions (a reply, an error status with headers, a hang, a dropped connection), so every fault
is exact and repeatable; every request body and its headers are kept for assertions.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from reviewer.rubric import Rubric

DRAFT = (
    "Hi Dana,\n\n"
    "The dashboard launch planned for 14 March has\nslipped: we missed the deadline because our vendor changed "
    "their data feed late. We apologize for any inconvenience this may have caused.\n\n"
    "We are working hard on it and will have it ready ASAP.\n\n"
    "Best,\nSam\n"
)
"""A short draft with facts (a date, names) and a line break inside a phrase, for whitespace-normalised quotes."""

MODEL = "test-model"
API_KEY = "sk-test-SECRET-0123456789"


# ----------------------------------------------------------------------------------------------------------------
# scripted server


@dataclass(frozen=True)
class LlamaServer:
    """The running llama.cpp server: where it listens, the model alias to ask for, and its log file."""

    base_url: str
    model: str
    log: Path


@dataclass
class Reply:
    content: str
    finish_reason: str = "stop"
    usage: tuple[int, int] | None = (100, 50)
    delay: float = 0.0


@dataclass
class Status:
    code: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hang:
    seconds: float


@dataclass
class Raw:
    """Any status and body, e.g. a proxy's HTML error page with status 200."""

    code: int
    body: bytes
    content_type: str = "text/html"


@dataclass
class Drop:
    """Close the connection without sending a response."""


@dataclass
class Drip:
    """Send a valid-looking 200 response one byte every `interval` seconds (a per-read timeout never fires)."""

    interval: float
    length: int = 10_000


@dataclass
class Respond:
    """A reply whose content is computed from the request body the server received (a model that answers what it
    was sent, e.g. quoting the draft it saw)."""

    content: Callable[[dict[str, Any]], str]


Action = Reply | Status | Raw | Hang | Drop | Drip | Respond


class ScriptedServer:
    def __init__(self) -> None:
        self.script: list[Action] = []
        self.default: Action | None = None
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.release = threading.Event()
        """Set by reset(): lets a hanging handler from the previous test finish."""
        self.in_flight = 0
        self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_GET(self) -> None:
                self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with server.lock:
                    server.requests.append(body)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    action = server.script.pop(0) if server.script else server.default
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._act(action, body)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _act(self, action: Action | None, body: dict[str, Any]) -> None:
                if isinstance(action, Respond):
                    action = Reply(action.content(body))
                if action is None:
                    self._json(500, {"error": {"message": "scripted server: script is empty", "type": "test"}})
                elif isinstance(action, Reply):
                    if action.delay:
                        server.stop.wait(action.delay)
                    usage = None
                    if action.usage is not None:
                        p, c = action.usage
                        usage = {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
                    self._json(
                        200,
                        {
                            "id": "chatcmpl-test",
                            "object": "chat.completion",
                            "created": 0,
                            "model": body.get("model", MODEL),
                            "choices": [
                                {
                                    "index": 0,
                                    "message": {"role": "assistant", "content": action.content},
                                    "finish_reason": action.finish_reason,
                                }
                            ],
                            "usage": usage,
                        },
                    )
                elif isinstance(action, Status):
                    default = {"error": {"message": f"status {action.code}"}}
                    payload = action.body if action.body is not None else default
                    self._json(action.code, payload, action.headers)
                elif isinstance(action, Raw):
                    self.send_response(action.code)
                    self.send_header("content-type", action.content_type)
                    self.send_header("content-length", str(len(action.body)))
                    self.end_headers()
                    self.wfile.write(action.body)
                elif isinstance(action, Hang):
                    server.release.wait(action.seconds)
                    self.close_connection = True
                elif isinstance(action, Drop):
                    self.close_connection = True
                elif isinstance(action, Drip):
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(action.length))
                    self.end_headers()
                    try:
                        for _ in range(action.length):
                            self.wfile.write(b" ")
                            self.wfile.flush()
                            if server.release.wait(action.interval):
                                break
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True

            def _json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.release.set()
        deadline = time.monotonic() + 5
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        self.release = threading.Event()
        with self.lock:
            self.script = []
            self.default = None
            self.requests = []
            self.headers = []
            self.max_in_flight = 0

    def then(self, *actions: Action) -> ScriptedServer:
        with self.lock:
            self.script.extend(actions)
        return self

    def close(self) -> None:
        self.stop.set()
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reply_data(rubric: Rubric, **overrides: Any) -> dict[str, Any]:
    """A valid reply for DRAFT: every dimension, quotes that are in the draft, a rewrite that keeps the facts."""
    quotes = {
        "transparency": ["has slipped", "will have it ready ASAP"],
        "empathy": ["We apologize for any inconvenience this may have caused."],
        "accountability": ["we missed the deadline"],
        "solutions": ["We are working hard on it"],
        "limited_excuses": ["because our vendor changed their data feed late"],
    }
    data: dict[str, Any] = {
        "dimensions": {
            dim: {"evidence": quotes.get(dim, []), "rationale": f"Rationale for {dim}.", "score": 2 + i % 3}
            for i, dim in enumerate(rubric.ids)
        },
        "missing": [{"dimension": "solutions", "what": "A new delivery date"}],
        "suggestions": ["Give a new date.", "Own the miss without blaming the vendor."],
        "rewrite": (
            "Hi Dana,\n\nWe missed the 14 March launch of the dashboard, and I'm sorry: that is on us. "
            "The new date is [new date]; [owner] owns it and I'll update you on [day].\n\nBest,\nSam"
        ),
    }
    data.update(overrides)
    return data


def reply_json(rubric: Rubric, **overrides: Any) -> str:
    return json.dumps(reply_data(rubric, **overrides))


# ----------------------------------------------------------------------------------------------------------------
# the real llama.cpp server
