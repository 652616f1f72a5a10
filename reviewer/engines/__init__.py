"""Engines behind one small protocol, picked by name; engines with heavy dependencies are imported lazily.

`import reviewer` and `candor check` on the rules engine never load openai, tiktoken or langchain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from reviewer.errors import ConfigError

if TYPE_CHECKING:
    from reviewer.config import Settings
    from reviewer.models import Message, Review
    from reviewer.rubric import Rubric


@runtime_checkable
class Engine(Protocol):
    """Anything that turns a message into a `Review` under a rubric."""

    name: str

    def review(self, message: Message, rubric: Rubric) -> Review: ...


EngineFactory = Callable[["Settings"], Engine]


def _rules(settings: Settings) -> Engine:
    from reviewer.engines.rules import RulesEngine

    return RulesEngine(settings.gate)


_REGISTRY: dict[str, EngineFactory] = {"rules": _rules}


def register_engine(name: str, factory: EngineFactory) -> None:
    """Make an engine available by name (the LLM engine registers itself here; plugins can too)."""
    _REGISTRY[name] = factory


def _load_optional() -> None:
    # Engines living in modules with heavy imports register on first use, not at `import reviewer`.
    try:
        import reviewer.engines.llm  # noqa: F401
    except ModuleNotFoundError as err:
        if err.name != "reviewer.engines.llm":
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
