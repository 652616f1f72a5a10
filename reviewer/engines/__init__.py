"""Engines behind one small protocol, picked by name; engines with heavy dependencies are imported lazily.

An engine turns a message into a `Review` under a rubric. Everything else composes around that one protocol: the
LLM engine (prompt, call, validation) is wrapped by the cache, fail-open and rules+llm (see `llm_stack`), and a
front end can wrap any engine the same way. Engines may also offer `areview`; `areview`, `areview_many` and
`review_many` here work with any engine, running a synchronous one in a worker thread.

`import reviewer` and `candor check` on the rules engine never load openai, tiktoken or langchain (nor asyncio).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from reviewer.errors import ConfigError, EngineError

if TYPE_CHECKING:
    from reviewer.config import Settings
    from reviewer.models import Message, Review
    from reviewer.rubric import Rubric


@runtime_checkable
class Engine(Protocol):
    """Anything that turns a message into a `Review` under a rubric."""

    name: str

    def review(self, message: Message, rubric: Rubric) -> Review: ...


@runtime_checkable
class AsyncEngine(Engine, Protocol):
    """An engine that can also review without blocking the event loop (the LLM engine and its wrappers)."""

    async def areview(self, message: Message, rubric: Rubric) -> Review: ...


EngineFactory = Callable[["Settings"], Engine]


def _rules(settings: Settings) -> Engine:
    from reviewer.engines.rules import RulesEngine

    return RulesEngine(settings.gate)


_REGISTRY: dict[str, EngineFactory] = {"rules": _rules}
_OPTIONAL = ("reviewer.engines.llm_stack", "reviewer.engines.fake")
"""Modules that register engines on first use (llm, rules+llm, fake), not at `import reviewer`."""


def register_engine(name: str, factory: EngineFactory) -> None:
    """Make an engine available by name (the LLM engines and the fake register themselves here; plugins can too)."""
    _REGISTRY[name] = factory


def _load_optional() -> None:
    for module in _OPTIONAL:
        try:
            __import__(module)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise


def engine_names() -> list[str]:
    _load_optional()
    return sorted(_REGISTRY)


def get_engine(name: str, settings: Settings) -> Engine:
    if name not in _REGISTRY:
        _load_optional()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"engine: unknown engine {name!r}; choose from {', '.join(engine_names())}") from None
    return factory(settings)


async def areview(engine: Engine, message: Message, rubric: Rubric) -> Review:
    """`engine.areview` when the engine has one; otherwise its blocking `review` in a worker thread."""
    if isinstance(engine, AsyncEngine):
        return await engine.areview(message, rubric)
    import asyncio

    return await asyncio.to_thread(engine.review, message, rubric)


async def areview_many(
    engine: Engine, messages: Sequence[Message], rubric: Rubric, *, concurrency: int
) -> list[Review | EngineError]:
    """Review many messages with at most `concurrency` reviews in flight (`settings.concurrency` for a model).

    Results come back in input order; a message the engine could not review yields its `EngineError`, so one
    failure never loses a batch.
    """
    import asyncio

    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(message: Message) -> Review | EngineError:
        async with limit:
            try:
                return await areview(engine, message, rubric)
            except EngineError as err:
                return err

    return list(await asyncio.gather(*(one(m) for m in messages)))


def review_many(
    engine: Engine, messages: Sequence[Message], rubric: Rubric, *, concurrency: int
) -> list[Review | EngineError]:
    """`areview_many` for synchronous callers (not from inside a running event loop)."""
    import asyncio

    return asyncio.run(areview_many(engine, messages, rubric, concurrency=concurrency))


__all__ = [
    "AsyncEngine",
    "Engine",
    "EngineFactory",
    "areview",
    "areview_many",
    "engine_names",
    "get_engine",
    "register_engine",
    "review_many",
]
