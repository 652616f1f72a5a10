"""Issue 13, item 22: the suite runs with the network denied (tests/conftest.py), so every offline test proves that
Candor opens no connection unless an endpoint is configured. These check that the guard is really on."""

from __future__ import annotations

import socket

import pytest

from reviewer.service import Reviewer


def test_the_guard_refuses_a_remote_connection_and_a_remote_lookup() -> None:
    with pytest.raises(OSError, match="network denied"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed
    with pytest.raises(OSError, match="network denied"):
        socket.getaddrinfo("example.com", 443)


def test_loopback_stays_open_for_the_scripted_servers() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=1):
            pass


def test_a_rules_review_makes_no_connection_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []
    real = socket.socket.connect

    def counting(self: socket.socket, address: object) -> None:
        attempts.append(address)
        real(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", counting)
    review = Reviewer().review_text("Hi Tom, the report is late because your team was slow. Sorry.")
    assert review.verdict in ("send", "revise", "block") and attempts == []
