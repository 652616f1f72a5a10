"""Settings and where they come from, in one documented order (later wins):

1. defaults (below);
2. the user file: `$CANDOR_CONFIG`, else `<user config dir>/candor/config.toml`;
3. the project file: `--config FILE`, else the nearest `candor.toml`, `.candor.toml` or `pyproject.toml` with a
   `[tool.candor]` table, walking up from the current directory;
4. environment variables `CANDOR_<KEY>` (e.g. `CANDOR_ENGINE=rules`), plus `OPENAI_API_KEY` and `OPENAI_BASE_URL`
   as the usual fallbacks for `api_key` and `base_url`;
5. command-line flags the user typed.

The project file beats the user file because a team's shared gate should apply to everyone on the project; the
environment beats both so CI can override without editing files. The API key is read from the environment only (a key
in a file that gets committed is a leak): a file that sets `api_key` is rejected.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewer.errors import ConfigError
from reviewer.gate import BLOCKING_SEVERITIES, Gate

ENV_PREFIX = "CANDOR_"
PROJECT_FILES = ("candor.toml", ".candor.toml", "pyproject.toml")


@dataclass(frozen=True)
class Settings:
    """Everything a run can be configured with. Attribute docstrings are the reference for the config keys."""

    engine: str = "rules"
    """rules, llm or rules+llm."""
    send_at: float = 3.8
    """Overall score at or above which the verdict may be "send"."""
    block_below: float = 2.6
    """Overall score below which the verdict is "block"."""
    max_major_for_send: int = 1
    """More major findings than this keep a message from "send"."""
    block_on: tuple[str, ...] = ("critical",)
    """Severities of finding that block whatever the scores: any of minor, major, critical (default: critical)."""
    dimension_block_below: Mapping[str, int] = field(default_factory=dict)
    """Per dimension, the score below which a message is blocked: {accountability = 2}."""
    fail_on: str = "block"
    """Which verdicts fail `candor check` (exit 1): "block", or "revise" to fail on revise and block."""
    disable: tuple[str, ...] = ()
    """Dimension ids to switch off."""
    ignore: tuple[str, ...] = ()
    """Rules never to flag in this project: rule ids (blame-vendor), families (vague_timing) or missing-<id>."""
    allow_phrases: tuple[str, ...] = ()
    """Phrases that are right for this project: a finding whose quote overlaps one is not flagged."""
    rubric_dirs: tuple[Path, ...] = ()
    """Extra folders of dimension files; a file with the same id as a built-in one replaces it."""
    prompts_dir: Path | None = None
    """Use another prompts folder instead of the built-in one."""
    max_input_bytes: int = 2_000_000
    """Larger input files are refused (an .eml with attachments counts in full)."""
    max_input_chars: int = 50_000
    """Longer message bodies (after quoted replies are stripped) are refused: about 8,000 words."""
    color: str = "auto"
    """auto, always or never."""
    base_url: str | None = None
    """OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1; OPENAI_BASE_URL is the fallback."""
    model: str | None = None
    api_key: str | None = field(default=None, repr=False)
    """From CANDOR_API_KEY or OPENAI_API_KEY only; never printed, logged or cached."""
    temperature: float = 0.0
    max_output_tokens: int = 1500
    token_budget: int = 6000
    """Most prompt tokens to send; a longer prompt is an error (the draft is never cut)."""
    timeout: float = 60.0
    max_retries: int = 3
    concurrency: int = 4
    fail_open: bool = False
    """When the model fails, return the rules review with a warning instead of failing."""
    cache: bool = True
    cache_dir: Path | None = None
    """Defaults to the user cache directory."""
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """USD per million tokens, by model: {"gpt-4o-mini": {"input": 0.15, "output": 0.6}}."""
    redact: bool | None = None
    """Replace emails, phone numbers, amounts, account and invoice numbers, links and names with placeholders before
    the llm engine sends a draft, and map them back in its reply. Unset (or "auto"): on for any endpoint off this
    machine, off for a loopback one (localhost, 127.0.0.0/8, ::1)."""
    redact_names: tuple[str, ...] = ()
    """Names (people, clients, products) to redact wherever they appear, for what name detection misses."""
    structured_output: str = "auto"
    """How the llm engine asks for JSON: auto (json_schema, then json_object with a schema as llama.cpp takes it,
    then plain json_object, remembering what the server accepted), json_schema, json_object_schema, json_object,
    or none (the prompt alone asks for JSON)."""

    @property
    def gate(self) -> Gate:
        return Gate(
            send_at=self.send_at,
            block_below=self.block_below,
            max_major_for_send=self.max_major_for_send,
            block_on=frozenset(self.block_on),  # type: ignore[arg-type]  # checked against BLOCKING_SEVERITIES
            dimension_block_below=dict(self.dimension_block_below),
        )

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_CHOICES = {
    "fail_on": ("block", "revise"),
    "color": ("auto", "always", "never"),
    "structured_output": ("auto", "json_schema", "json_object_schema", "json_object", "none"),
}
_ITEM_CHOICES = {"block_on": BLOCKING_SEVERITIES}
_FILE_FORBIDDEN = {"api_key"}


def _coerce(key: str, value: Any, source: str) -> Any:
    """Turn a TOML or environment value into the field's type, or raise a one-line ConfigError."""
    kind = str(_FIELDS[key].type)
    from_env = isinstance(value, str) and source.startswith("$")
    try:
        if kind == "bool | None":  # a switch with an "auto" default (redact)
            if isinstance(value, str) and value.strip().lower() == "auto":
                return None
            words = {"1", "0", "true", "false", "yes", "no", "on", "off"}
            if not (isinstance(value, bool) or (from_env and value.strip().lower() in words)):
                raise ConfigError(f'{source}: {key}: expected true, false or "auto", got {value!r}')
            kind = "bool"
        if kind == "bool":
            if from_env:
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError
                return lowered in {"1", "true", "yes", "on"}
            if not isinstance(value, bool):
                raise ValueError
            return value
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError
            return int(value) if from_env or isinstance(value, int) else _fail()
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            number = float(value) if from_env or isinstance(value, int | float) else _fail()
            return number if math.isfinite(number) else _fail()  # nan would pass every comparison the gate makes
        if kind.startswith("tuple[str"):
            items = value.split(",") if from_env else value
            if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
                raise ValueError
            chosen = tuple(i.strip() for i in items if i.strip())
            if key in _ITEM_CHOICES and (bad := [i for i in chosen if i not in _ITEM_CHOICES[key]]):
                allowed = ", ".join(_ITEM_CHOICES[key])
                raise ConfigError(f"{source}: {key}: each must be one of {allowed}, got {bad[0]!r}")
            return chosen
        if kind.startswith("tuple[Path"):
            items = value.split(os.pathsep) if from_env else value
            if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
                raise ValueError
            return tuple(_path(i, source) for i in items if i)
        if kind.startswith("Path"):
            if not isinstance(value, str):
                raise ValueError
            if not value.strip() and "None" in kind:
                return None  # `CANDOR_CACHE_DIR=` means the default, not the current folder
            return _path(value, source)
        if kind == "Mapping[str, int]":
            if from_env:
                value = dict(pair.split("=", 1) for pair in value.split(",") if pair.strip())
            if not isinstance(value, dict) or any(isinstance(v, bool) for v in value.values()):
                raise ValueError
            return {str(k).strip(): int(v) for k, v in value.items()}
        if kind.startswith("Mapping"):
            if not isinstance(value, dict):
                raise ValueError
            return {str(m): {str(k): float(v) for k, v in table.items()} for m, table in value.items()}
        if not isinstance(value, str):
            raise ValueError
        if key in _CHOICES and value not in _CHOICES[key]:
            raise ConfigError(f"{source}: {key}: must be one of {', '.join(_CHOICES[key])}, got {value!r}")
        return value
    except (ValueError, TypeError, AttributeError):
        raise ConfigError(f"{source}: {key}: expected {kind.replace(' | None', '')}, got {value!r}") from None


def _fail() -> Any:
    raise ValueError


def _path(value: str, source: str) -> Path:
    """A path from a config file is relative to that file's folder, not to wherever candor runs."""
    path = Path(value).expanduser()
    if not path.is_absolute() and not source.startswith(("$", "--")):
        return Path(source).parent / path
    return path


def _apply(layer: Mapping[str, Any], source: str, into: dict[str, Any], provenance: dict[str, str]) -> None:
    for key, value in layer.items():
        if key not in _FIELDS:
            raise ConfigError(f"{source}: unknown key {key!r}")
        if key in _FILE_FORBIDDEN and not source.startswith(("$", "--")):
            raise ConfigError(f"{source}: {key}: set it in the environment (CANDOR_API_KEY), never in a file")
        into[key] = _coerce(key, value, source)
        provenance[key] = source


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config: {err.strerror}") from None
    try:
        data = tomllib.loads(raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))  # a BOM from Windows editors
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid TOML: the file is not UTF-8") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("candor", {}) if isinstance(tool, dict) else {}
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: tool.candor: expected a table ([tool.candor]), got {section!r}")
        return dict(section)
    return data


def _search_directories(start: Path) -> Iterator[Path]:
    """Where project files are looked for: the start directory and its parents. Tests patch this."""
    yield start
    yield from start.parents


def find_project_file(start: Path) -> Path | None:
    for directory in _search_directories(start):
        for name in PROJECT_FILES:
            candidate = directory / name
            if candidate.is_file():
                if name == "pyproject.toml" and not _read_toml(candidate):
                    continue
                return candidate
    return None


def user_config_file(environ: Mapping[str, str]) -> Path:
    if explicit := environ.get("CANDOR_CONFIG"):
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("candor", appauthor=False)) / "config.toml"


def env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for fallback, key in (("OPENAI_API_KEY", "api_key"), ("OPENAI_BASE_URL", "base_url")):
        if environ.get(fallback):
            layer[key] = environ[fallback]
    for name, value in environ.items():
        if name.startswith(ENV_PREFIX) and name != "CANDOR_CONFIG" and name != "CANDOR_PROMPTS_DIR":
            key = name[len(ENV_PREFIX) :].lower()
            if key in _FIELDS:
                layer[key] = value
    return layer


@dataclass(frozen=True)
class LoadedSettings:
    settings: Settings
    provenance: Mapping[str, str]
    """Which source set each non-default key: a file path, $ENV_VAR or --flag."""


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> LoadedSettings:
    """Merge every source in the documented order. `flags` holds only what the user typed."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    user_file = user_config_file(environ)
    try:
        found = user_file.is_file()
    except OSError as err:  # e.g. another user's config folder, after `sudo -E`
        raise ConfigError(f"{user_file}: cannot read config: {err.strerror}") from None
    if found:
        _apply(_read_toml(user_file), str(user_file), values, provenance)
    if config_file is not None and not config_file.is_file():
        raise ConfigError(f"{config_file}: config file not found")
    project = config_file or find_project_file((cwd or Path.cwd()).resolve())
    if project is not None:
        _apply(_read_toml(project), str(project), values, provenance)
    env = env_layer(environ)
    for key, value in env.items():
        source = f"${ENV_PREFIX}{key.upper()}"
        if key == "api_key" and f"{ENV_PREFIX}API_KEY" not in environ:
            source = "$OPENAI_API_KEY"
        if key == "base_url" and f"{ENV_PREFIX}BASE_URL" not in environ:
            source = "$OPENAI_BASE_URL"
        _apply({key: value}, source, values, provenance)
    for key, value in (flags or {}).items():
        if value is not None:
            values[key] = value
            provenance[key] = "--" + key.replace("_", "-")
    settings = Settings(**values)
    for name in ("send_at", "block_below"):
        threshold = getattr(settings, name)
        # Scores run from 1 to 5: a threshold outside (or NaN) would make a verdict impossible or certain.
        if not 1.0 <= threshold <= 5.0:
            raise ConfigError(f"{name} ({threshold}) must be a score from 1 to 5 ({provenance.get(name, 'default')})")
    if settings.block_below > settings.send_at:
        raise ConfigError(f"block_below ({settings.block_below}) must not exceed send_at ({settings.send_at})")
    return LoadedSettings(settings, provenance)


_URL_SECRET = re.compile(r"(?<=://)[^/@\s]*@|(?<=[?&])(?:api[_-]?key|key|token|access_token)=[^&#\s]*", re.I)


def mask_url(url: str) -> str:
    """A URL fit to print: a `user:key@` inside it, or a `?key=` parameter, is masked."""
    return _URL_SECRET.sub(lambda m: "***@" if m.group().endswith("@") else m.group().split("=")[0] + "=***", url)


def describe(loaded: LoadedSettings) -> str:
    """`candor config show`: every setting, its value and where it came from (the key is masked)."""
    lines = []
    for name in _FIELDS:
        value = getattr(loaded.settings, name)
        if name == "api_key" and value:
            value = "***"  # set; no part of it is ever shown, not even its last characters
        if name == "base_url" and value:
            value = mask_url(value)
        if name == "redact" and value is None:
            value = "auto"  # on unless base_url is a loopback endpoint
        lines.append(f"{name} = {value!r}  # {loaded.provenance.get(name, 'default')}")
    return "\n".join(lines)


__all__ = ["Settings", "LoadedSettings", "load_settings", "describe"]
