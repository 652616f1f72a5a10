"""`candor cache stats|clear`: the LLM engine's commands, added through the command-plugin API (`reviewer.commands`).

Kept apart from `reviewer.cli` so the core CLI knows nothing about the cache; importing this module is cheap (no
openai, no sqlite connection until a command runs).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from reviewer.commands import CommandRegistry
from reviewer.errors import ExitCode


def _cache(args: argparse.Namespace) -> Any:
    from reviewer.cache import ReviewCache, default_cache_dir
    from reviewer.config import load_settings

    settings = load_settings({}, config_file=args.config).settings
    return ReviewCache(default_cache_dir(settings.cache_dir))


def _when(stamp: float | None) -> str:
    return "-" if stamp is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def cmd_cache_stats(args: argparse.Namespace) -> int:
    cache = _cache(args)
    stats = cache.stats()
    cache.close()
    if args.format == "json":
        data = {
            "path": str(stats.path),
            "entries": stats.entries,
            "hits": stats.hits,
            "size_bytes": stats.size_bytes,
            "by_engine": dict(stats.by_engine),
            "oldest": stats.oldest,
            "newest": stats.newest,
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return ExitCode.OK
    lines = [
        f"cache:   {stats.path}",
        f"entries: {stats.entries}",
        f"hits:    {stats.hits}",
        f"size:    {stats.size_bytes / 1024:.1f} KiB",
        f"oldest:  {_when(stats.oldest)}",
        f"newest:  {_when(stats.newest)}",
    ]
    lines += [f"  {name}: {count}" for name, count in sorted(stats.by_engine.items())]
    sys.stdout.write("\n".join(lines) + "\n")
    return ExitCode.OK


def cmd_cache_clear(args: argparse.Namespace) -> int:
    cache = _cache(args)
    removed = cache.clear()
    cache.close()
    sys.stdout.write(f"removed {removed} cached review{'s' if removed != 1 else ''} from {cache.path}\n")
    return ExitCode.OK


def cmd_cache(args: argparse.Namespace) -> int:
    return cmd_cache_stats(args) if args.cache_command == "stats" else cmd_cache_clear(args)


def add_cache_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="cache_command", metavar="{stats,clear}")
    commands.required = True
    stats = commands.add_parser("stats", help="where the cache is, how many reviews it holds, how often they were hit")
    stats.add_argument("--config", type=Path, help="project config file (for cache_dir)")
    stats.add_argument("--format", choices=("text", "json"), default="text")
    clear = commands.add_parser("clear", help="delete every cached review")
    clear.add_argument("--config", type=Path, help="project config file (for cache_dir)")


def register(commands: CommandRegistry) -> None:
    commands.add(
        "cache",
        cmd_cache,
        help="show or clear the LLM review cache",
        arguments=add_cache_arguments,
        review_flags=False,
    )
