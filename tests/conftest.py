"""Keep the developer's machine out of every test: no discovered config, no user config, no CANDOR_* or OpenAI
variables, caches under tmp_path; and no network: a connection to anything but loopback fails the test."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import reviewer.config

ROOT = Path(__file__).resolve().parents[1]


def _loopback(address: object) -> bool:
    """A Unix socket, or an address on this machine's loopback interface."""
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths, abstract sockets
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _deny_network() -> None:
    """Issue 13, item 22: the offline suite proves Candor opens no connection unless an endpoint is configured.
    Any connect to a non-loopback address, or a DNS lookup of a remote name, fails the test that makes it."""
    real_connect, real_connect_ex, real_getaddrinfo = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.getaddrinfo,
    )

    def refuse(address: object) -> OSError:
        return OSError(f"network denied in the offline test suite: connect to {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        if not _loopback(address):
            raise refuse(address)
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if not _loopback(address):
            raise refuse(address)
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _loopback((host if isinstance(host, str) else bytes(host).decode(), 0)):
            raise socket.gaierror(socket.EAI_NONAME, f"network denied in the offline test suite: lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


_deny_network()


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("CANDOR_", "OPENAI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CANDOR_CONFIG", str(tmp_path / "user-config" / "config.toml"))
    monkeypatch.setenv("CANDOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(reviewer.config, "_search_directories", lambda start: iter(()))
    yield
