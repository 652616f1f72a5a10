"""Whether an exception is really Ctrl-C: Python wraps a KeyboardInterrupt raised inside some machinery (a class's
`__set_name__` while a module is imported) in a RuntimeError, which must still end as "interrupted" (exit 130), not
as a traceback or an internal error. No imports: `reviewer/__init__.py` loads it before anything else."""


def caused_by_interrupt(err: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
