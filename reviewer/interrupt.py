"""Whether an exception is really Ctrl-C: Python wraps a KeyboardInterrupt raised inside some machinery (a class's
`__set_name__` while a module is imported) in a RuntimeError, and pydantic-core, building a model's validators while
`reviewer.models` imports, flattens it into the text of a SchemaError with no cause at all. Either must still end as
"interrupted" (exit 130), not as a traceback or an internal error. No imports: `reviewer/__init__.py` loads it
before anything else."""


def caused_by_interrupt(err: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt) or _interrupt_flattened_into_text(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _interrupt_flattened_into_text(err: BaseException) -> bool:
    """pydantic-core's SchemaError reads "Error building "literal" validator:\\n  KeyboardInterrupt: ": the only
    trace of the interrupt is a line of its message. Only errors raised while building schemas are read this way, so
    a message that merely quotes the word is never taken for Ctrl-C."""
    if type(err).__name__ != "SchemaError":
        return False
    try:
        lines = str(err).splitlines()
    except Exception:  # noqa: BLE001 - an unprintable error is simply not an interrupt
        return False
    return any(line.strip().startswith("KeyboardInterrupt:") or line.strip() == "KeyboardInterrupt" for line in lines)
