"""The rubric as data: one TOML file per dimension, validated on load.

A dimension file holds what a person needs (definition, the question it answers, an anchor for each score 1-5,
good and bad examples for prompts) and what the rules engine needs (cues: regular expressions that raise or lower
the score and become findings; checks: named structural tests, such as "is there a new date?", implemented in
`reviewer.checks`). Adding a dimension means adding a file; switching one off is config (`disable`).
Any problem is reported as one line naming the file and the field.
"""

from __future__ import annotations

import hashlib
import marshal
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reviewer.atomic import private_folder, write_atomic
from reviewer.errors import RubricError
from reviewer.models import RubricRef, Severity
from reviewer.patterns import (
    DATE_TOKEN,
    check_pattern,
    compile_regex,
    load_prepared,
    load_programs,
    lower_pattern,
    preparation_key,
    programs_key,
    record_programs,
    save_prepared,
    save_programs,
)
from reviewer.scorer import FeatureWords, FittedScorer, load_scorer
from reviewer.text import BLANK, NewsWords

Applies = Literal["always", "problem", "failure", "timing", "complaint"]
"""When a check applies: always; when the message reports a problem (risk or failure); a failure only; a
problem with a date at stake (a delay, a missed deadline, an outage); or a reply to a client's complaint."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _checked_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """Every pattern compiles and cannot backtrack catastrophically (`patterns.check_pattern`), or a load error."""
    for pattern in patterns:
        error = check_pattern(pattern)
        if error:
            raise ValueError(f"bad regular expression {pattern!r}: {error}")
    return patterns


class Cue(_Strict):
    """Phrases that raise (positive) or lower (negative) a dimension's score, reported as findings."""

    id: str = Field(pattern=r"^[a-z_]+-[a-z0-9_]+$")
    """family-name, e.g. "blame-vendor"; the family (before the dash) groups cues for reports and evals."""
    severity: Severity
    weight: float = Field(ge=-3, le=3)
    patterns: tuple[str, ...] = Field(min_length=1)
    message: str = Field(min_length=1)
    replacement: str | None = None
    """Text for the matched phrase: "" deletes it, "\\g<keep>" keeps the pattern's `keep` group."""
    unless: tuple[str, ...] = ()
    """Patterns that, found in the same sentence, cancel a match (e.g. "talk soon" is not vague timing)."""
    unless_date_in_sentence: bool = False
    """Cancel a match when its sentence also names a concrete date or time ("shortly, by 5pm today")."""
    max_count: int = Field(default=2, ge=1)
    """How many matches count toward the score; more are still reported."""
    applies: Applies = "always"
    fires: tuple[str, ...] = ()
    """Sentences this cue must flag, kept beside it and run as tests (tests/test_rubric_examples.py)."""
    quiet: tuple[str, ...] = ()
    """Look-alike sentences this cue must leave alone (a false alarm teaches people to ignore Candor). Every cue
    has at least one of each (tests/test_rubric_examples.py)."""

    @field_validator("patterns", "unless")
    @classmethod
    def _parses(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _checked_patterns(patterns)

    @model_validator(mode="after")
    def _keep_group_exists(self) -> Cue:
        # A replacement that keeps a group no pattern has would silently never offer its fix.
        if self.replacement and "\\g<keep>" in self.replacement and not any("(?P<keep>" in p for p in self.patterns):
            raise ValueError("replacement keeps the `keep` group, but no pattern has (?P<keep>...)")
        return self


class _CheckBase(_Strict):
    """What every check kind has; each kind below adds only the fields it uses, so a misplaced field (patterns on
    a present check, a placeholder on a found one) is an error at load, not silently ignored."""

    id: str = Field(pattern=r"^[a-z_]+$")
    """Id of the missing element or finding family it reports, e.g. "new_date"."""
    severity: Severity
    weight: float = Field(ge=-3, le=3)
    """Added to the score when the element is missing (or the finding fires)."""
    message: str = Field(min_length=1)
    applies: Applies = "always"


class _Reports(_CheckBase):
    """A check that reports something of its own (a missing element, a finding), so it carries examples."""

    fires: tuple[str, ...] = Field(min_length=1)
    """Whole messages for which the check reports (the element missing, the finding), run as tests."""
    quiet: tuple[str, ...] = Field(min_length=1)
    """Look-alike messages for which it must not."""


class _Missing(_Reports):
    credit: float = Field(default=0.0, ge=0, le=3)
    """Added to the score when the element is present."""
    placeholder: str | None = None
    placement: Literal["opening", "next_steps"] = "next_steps"
    """Where a scaffold rewrite puts the placeholder: after the greeting, or in the next-steps block."""


class PresentCheck(_Missing):
    """Satisfied when a cue of a `satisfied_by` family matched (in any dimension), else reported missing."""

    check: Literal["present"]
    satisfied_by: tuple[str, ...] = Field(min_length=1)


class NewDateCheck(_Missing):
    """Satisfied by a date in a forward-looking sentence (the `date_forward` / `date_backward` lists)."""

    check: Literal["new_date"]


class FoundCheck(_CheckBase):
    """Adds `weight` when a cue of a `satisfied_by` family matched: a cue that also moves this dimension (blame
    lowers accountability as well as limited excuses). It reports nothing of its own: its cues carry the examples."""

    check: Literal["found"]
    satisfied_by: tuple[str, ...] = Field(min_length=1)


class OverExplainingCheck(_Reports):
    """Too much of the message is cause: at least three sentences, 40% of the words, matching `patterns`."""

    check: Literal["over_explaining"]
    patterns: tuple[str, ...] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _parses(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _checked_patterns(patterns)


Check = Annotated[PresentCheck | NewDateCheck | FoundCheck | OverExplainingCheck, Field(discriminator="check")]
"""A structural test implemented in code (`reviewer.engines.rules.run_checks`), configured here; `check` names its
kind: present, found, new_date or over_explaining."""


class Examples(_Strict):
    good: tuple[str, ...] = ()
    bad: tuple[str, ...] = ()


class Dimension(_Strict):
    id: str = Field(pattern=r"^[a-z_]+$")
    title: str = Field(min_length=1)
    question: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    order: int = 100
    """Position in reports (lower first); ties sort by id."""
    base: float = Field(default=3.0, ge=1, le=5)
    """Score before any cue, for a message that reports a problem."""
    base_no_problem: float = Field(default=4.0, ge=1, le=5)
    """Score before any cue, for good news or a routine update with nothing to own or excuse."""
    scale: dict[str, str]
    lists: dict[str, tuple[str, ...]] = {}
    """Named word lists (alternatives of a regex), usable in any file's patterns as `@name`."""
    cues: tuple[Cue, ...] = ()
    checks: tuple[Check, ...] = ()
    examples: Examples = Examples()

    @field_validator("scale")
    @classmethod
    def _five_anchors(cls, scale: dict[str, str]) -> dict[str, str]:
        missing = [level for level in "12345" if not scale.get(level, "").strip()]
        if missing:
            raise ValueError(f"needs an anchor for every level 1-5; missing {', '.join(missing)}")
        extra = sorted(set(scale) - set("12345"))
        if extra:
            raise ValueError(f"unknown levels {', '.join(extra)}; use 1-5")
        return scale


LISTS_FILE = "lists.toml"
"""A rubric folder's shared word lists: only a `[lists]` table, not a dimension."""


@dataclass(frozen=True)
class CodeList:
    """How the code uses one of the rubric's lists: the regex frame its alternation goes into (at `{}`), its flags,
    and why, for the error when it is missing."""

    frame: str | None
    """None: whole words (a set), not a pattern."""
    flags: int
    use: str
    lowered: bool = False
    """Runs on the lower-cased text without IGNORECASE (several times faster): its letters are lower-cased."""
    source: str | None = None
    """The list it is built from, when that is not the list of its own name (one list, two frames)."""

    def list_name(self, name: str) -> str:
        return self.source or name


_WORDS = r"\b(?:{})\b"
CODE_LISTS: dict[str, CodeList] = {
    "news_failure": CodeList(_WORDS, 0, "what kind of news a message is", lowered=True),
    "news_failure_weak": CodeList(_WORDS, 0, "what kind of news a message is", lowered=True),
    "news_risk": CodeList(_WORDS, 0, "what kind of news a message is", lowered=True),
    "news_timing": CodeList(_WORDS, 0, "whether a date is at stake", lowered=True),
    "news_complaint": CodeList(_WORDS, 0, "whether the message answers a complaint", lowered=True),
    "date_forward": CodeList(_WORDS, re.IGNORECASE, "the new_date check"),
    "date_backward": CodeList(_WORDS, re.IGNORECASE, "the new_date check"),
    "causal": CodeList(_WORDS, re.IGNORECASE, "the rewrite, to cut a blaming clause"),
    "greeting": CodeList(
        r"^[ \t]*(?:{})\b(?:[ \t]+(?:mr|mrs|ms|mx|dr|prof|sir)\.)?"
        r"(?:(?:[^\n,!:.\[{{$]|\[[^\[\]\n]{{1,30}}\]|\$?\{{\{{?[^{{}}\n]{{1,40}}\}}\}}?){{0,40}}?"
        r"(?:[,!:]|[ \t]+[-–—](?=[ \t])|(?=\n)|$)"
        r"|(?:[ \t]+[^\s,!:.]+){{0,3}}\.(?=[ \t]*(?:\n|$)|[ \t]+[A-Z]))",
        re.IGNORECASE,
        "the rewrite, to find the greeting (a title's full stop, 'Dear Dr. Patel,', is part of it; a template's "
        "'Dear ${order.name},' too; 'Hi Poul.' ends at its full stop)",
    ),
    "greeting_run_on": CodeList(
        r"^[ \t]*(?i:{})(?:[ \t]+(?i:there))?(?:[ \t]+[A-Z][\w'’-]*){{0,3}}?"
        r"(?=[ \t]+(?:Thanks|Thank you|We|We're|We've|I|I'm|I've|Sorry|Please|Your|The|This|It|Unfortunately"
        r"|Apologies|Just|As|Following|Regarding|Quick|Good news)\b)",
        0,
        "the rewrite, to find a greeting run into its sentence ('Hi there Karina Thanks for...')",
        source="greeting",
    ),
    "sign_off": CodeList(
        r"^[ \t]*(?:{})\b[^\n]{{0,40}}$", re.IGNORECASE | re.MULTILINE, "the rewrite, to find the sign-off"
    ),
    "sign_off_inline": CodeList(
        r"(?:^|(?<=[.!?\s]))(?=[A-Z])((?i:{}))[,.!][ \t]+"
        r"(?:\[[^\[\]\n]{{1,30}}\]|\{{\{{[^{{}}\n]{{1,30}}\}}\}}|[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){{0,3}})[ \t]*$",
        0,
        "the rewrite, to find a sign-off sharing the last line ('...from all of us Regards. [company]')",
        source="sign_off",
    ),
    "what_went_wrong": CodeList(_WORDS, 0, "the rewrite, to keep the news", lowered=True),
    "about_hearing_from_us": CodeList(
        r"\b(?:{})", re.IGNORECASE, "the rewrite, to tell the next update's date from the new date"
    ),
    "apology": CodeList(_WORDS, re.IGNORECASE, "the rewrite, to add one apology at most"),
    "apology_word": CodeList(_WORDS, re.IGNORECASE, "the rewrite, to mend a stock apology"),
    "adverb": CodeList("(?:{})", re.IGNORECASE, "the rewrite, to delete an adverb"),
    "feature_hedge": CodeList(_WORDS, 0, "the fitted scorer", lowered=True),
    "feature_cause": CodeList(_WORDS, 0, "the fitted scorer", lowered=True),
    "feature_thanks": CodeList(_WORDS, 0, "the fitted scorer", lowered=True),
    "feature_apology": CodeList(_WORDS, 0, "the fitted scorer", lowered=True),
    "feature_greeting": CodeList(r"^\s*(?:{})\b", re.IGNORECASE, "the fitted scorer"),
    "feature_second_person": CodeList(None, 0, "the fitted scorer"),
    "feature_first_plural": CodeList(None, 0, "the fitted scorer"),
    "feature_first_singular": CodeList(None, 0, "the fitted scorer"),
    "feature_negation": CodeList(None, 0, "the fitted scorer"),
}
"""The lists the code itself uses (besides any pattern's @name), each a named list of prompts/rubric/lists.toml."""


@dataclass(frozen=True)
class Lexicon:
    """The rubric's word lists that the code uses outside the cue patterns, compiled once when the rubric loads."""

    news: NewsWords
    """What kind of news a message is (`reviewer.text.profile`)."""
    date_forward: re.Pattern[str]
    date_backward: re.Pattern[str]
    causal: re.Pattern[str]
    greeting: re.Pattern[str]
    greeting_run_on: re.Pattern[str]
    sign_off: re.Pattern[str]
    sign_off_inline: re.Pattern[str]
    what_went_wrong: re.Pattern[str]
    about_hearing_from_us: re.Pattern[str]
    apology: re.Pattern[str]
    apology_word: re.Pattern[str]
    adverb: re.Pattern[str]
    features: FeatureWords
    """The fitted scorer's text measures (`reviewer.scorer.text_features`)."""


_PLAIN_WORD = re.compile(r"[a-z][a-z'’-]*")


def code_pattern(name: str, alternatives: Sequence[str]) -> str:
    """The regex the code runs for one of its lists (`CODE_LISTS`)."""
    use = CODE_LISTS[name]
    assert use.frame is not None, f"{name} is a set of words, not a pattern"
    body = "|".join(lower_pattern(a) if use.lowered else a for a in alternatives)
    return use.frame.format(body)


def _lexicon(lists: dict[str, tuple[str, ...]], sources: dict[str, str], folders: str) -> Lexicon:
    compiled: dict[str, re.Pattern[str]] = {}
    sets: dict[str, frozenset[str]] = {}
    for name, use in CODE_LISTS.items():
        listed = use.list_name(name)
        if listed not in lists:
            raise RubricError(
                f"{folders}: lists.{listed}: missing; {use.use} needs it (see prompts/rubric/{LISTS_FILE})"
            )
        if use.frame is None:
            odd = [w for w in lists[listed] if not _PLAIN_WORD.fullmatch(w)]
            if odd:
                raise RubricError(f"{sources[listed]}: lists.{listed}: {odd[0]!r} is not a lower-case word")
            sets[name] = frozenset(lists[listed])
            continue
        pattern = code_pattern(name, lists[listed])
        error = check_pattern(pattern)
        if error:
            raise RubricError(f"{sources[listed]}: lists.{listed}: bad regular expression: {error}")
        # A list run on lower-cased text goes behind a look-ahead of its first characters, as the cues do.
        compiled[name] = compile_regex(pattern, use.flags, guard=use.lowered)
    news = NewsWords(
        failure=compiled.pop("news_failure"),
        failure_weak=compiled.pop("news_failure_weak"),
        risk=compiled.pop("news_risk"),
        timing=compiled.pop("news_timing"),
        complaint=compiled.pop("news_complaint"),
    )
    features = FeatureWords(
        hedge=compiled.pop("feature_hedge"),
        cause=compiled.pop("feature_cause"),
        thanks=compiled.pop("feature_thanks"),
        apology=compiled.pop("feature_apology"),
        greeting=compiled.pop("feature_greeting"),
        second_person=sets["feature_second_person"],
        first_plural=sets["feature_first_plural"],
        first_singular=sets["feature_first_singular"],
        negation=sets["feature_negation"],
    )
    return Lexicon(news=news, features=features, **compiled)


TEMPLATE_BLANKS = frozenset({"[date]", "[day]", "[name]"})
CLOSING_BLANKS = frozenset({"[how to reach us]", "[reply day]"})
"""The blanks of the scaffold's closing lines (`reviewer.rewrite.CLOSING_LINE`), which are code, not rubric."""
"""Blanks a writer's own template uses as much as the scaffold does: a template's blanks are judged as written."""


@dataclass(frozen=True, eq=False)
class Rubric:
    """The dimensions in force, with a hash of their source so caches and recordings know when it changed."""

    name: str
    dimensions: tuple[Dimension, ...]
    hash: str
    lexicon: Lexicon = field(compare=False)
    """The word lists the code uses (news, new date, rewrite), from the rubric's lists."""
    sources: tuple[Path, ...] = field(default=(), compare=False)
    scorer: FittedScorer | None = field(default=None, compare=False)
    """Fitted weights turning evidence into scores (`reviewer.scorer`); None: every dimension uses its cue weights."""
    evidence: tuple[Dimension, ...] = field(default=(), compare=False)
    """Every loaded dimension, disabled ones included: their cues are still looked for as evidence, so switching a
    dimension off hides its findings and score but never changes another dimension's score."""
    programs: Path | None = field(default=None, compare=False)
    """Where the compiled programs of its regexes are saved (`patterns.save_programs`), with a cache folder."""

    def __hash__(self) -> int:
        # The content hash identifies the rubric; it lets engines cache compiled cues per rubric.
        return hash((self.name, self.hash))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rubric) and (self.name, self.hash) == (other.name, other.hash)

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    @property
    def evidence_dimensions(self) -> tuple[Dimension, ...]:
        return self.evidence or self.dimensions

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    @cached_property
    def ref(self) -> RubricRef:
        """Made once per rubric (it is immutable), not once per review."""
        return RubricRef(name=self.name, hash=self.hash, dimensions=self.ids)

    @cached_property
    def scaffold_blanks(self) -> re.Pattern[str] | None:
        """The blanks of the checks' placeholders, the cues' replacements and the closing lines, exactly as the
        scaffold writes them ("[day and time]", "[what this changes for you: ...]"), found anywhere in a text: they
        are instructions to the writer, never read as written text (`reviewer.engines.rules.analyse`). The blanks a
        writer's own template also uses (`TEMPLATE_BLANKS`: "[date]", "[name]") are left out, so a template's
        "Owner: [name]" reads as before."""
        written = [
            getattr(check, "placeholder", None) or "" for dim in self.evidence_dimensions for check in dim.checks
        ]
        written += [cue.replacement or "" for dim in self.evidence_dimensions for cue in dim.cues]
        found = {blank for text in written for blank in BLANK.findall(text)}
        blanks = sorted((found | CLOSING_BLANKS) - TEMPLATE_BLANKS, key=lambda b: (-len(b), b))
        return re.compile("|".join(re.escape(b) for b in blanks)) if blanks else None

    @cached_property
    def scaffold_lines(self) -> re.Pattern[str] | None:
        """What marks a line as the scaffold's own unfilled step: one of its blanks, or a whole placeholder of the
        checks ("Owner: [name], who will keep you informed", whose blank alone a template also uses)."""
        whole = sorted(
            {p for dim in self.evidence_dimensions for c in dim.checks if (p := getattr(c, "placeholder", None))}
        )
        parts = [re.escape(p) for p in whole] + ([self.scaffold_blanks.pattern] if self.scaffold_blanks else [])
        return re.compile("|".join(parts)) if parts else None


def _field_path(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


_LIST_REF = re.compile(r"@([a-z_]+)")


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RubricError(f"{source}: not valid TOML: {err}") from None


def _use_lists(data: dict[str, Any], lists: dict[str, tuple[str, ...]], source: str) -> dict[str, Any]:
    """Replace `@name` in every pattern by the named list's alternation; an unknown name is an error."""

    def expand(pattern: Any, where: str) -> Any:
        if not isinstance(pattern, str):
            return pattern

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == DATE_TOKEN[1:]:
                return match.group(0)
            if name not in lists:
                known = ", ".join(sorted(lists)) or "none"
                raise RubricError(f"{source}: {where}: unknown word list @{name} (lists: {known})")
            return "(?:" + "|".join(lists[name]) + ")"

        return _LIST_REF.sub(one, pattern)

    for kind in ("cues", "checks"):
        items = data.get(kind)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for key in ("patterns", "unless"):
                if isinstance(item.get(key), list):
                    item[key] = [expand(p, f"{kind}.{i}.{key}") for p in item[key]]
    return data


def parse_dimension(text: str, source: str, lists: dict[str, tuple[str, ...]] | None = None) -> Dimension:
    """Parse and validate one dimension file's text; errors name the source and field."""
    return _dimension(_toml(text, source), source, lists)


def _dimension(data: dict[str, Any], source: str, lists: dict[str, tuple[str, ...]] | None) -> Dimension:
    """Validate one dimension file's parsed TOML (its `@name` list references expanded in place)."""
    if lists is None:
        lists = _lists_of(data, source)
    data = _use_lists(data, lists, source)
    try:
        dim = Dimension.model_validate(data)
    except ValidationError as err:
        raise RubricError(f"{source}: {_field_path(err)}") from None
    stem = Path(source).stem
    if dim.id != stem:
        raise RubricError(f"{source}: id: {dim.id!r} must match the file name {stem!r}")
    return dim


def _lists_of(data: dict[str, Any], source: str) -> dict[str, tuple[str, ...]]:
    raw = data.get("lists", {})
    if not isinstance(raw, dict) or not all(
        isinstance(v, list) and v and all(isinstance(w, str) and w for w in v) for v in raw.values()
    ):
        raise RubricError(f"{source}: lists: each list must be a non-empty array of strings")
    return {str(k): tuple(v) for k, v in raw.items()}


def _check_references(dimensions: Sequence[tuple[Dimension, Path]]) -> None:
    """Every family a check names in `satisfied_by` must be found by some cue or check, or the check can never
    be satisfied (a typo would silently mark every message as missing it)."""
    families = {cue.id.split("-", 1)[0] for dim, _ in dimensions for cue in dim.cues}
    families |= {check.id for dim, _ in dimensions for check in dim.checks if check.check == "over_explaining"}
    for dim, path in dimensions:
        for i, check in enumerate(dim.checks):
            if not isinstance(check, PresentCheck | FoundCheck):
                continue
            unknown = [f for f in check.satisfied_by if f not in families]
            if unknown:
                raise RubricError(
                    f"{path}: checks.{i}.satisfied_by: unknown family {', '.join(map(repr, unknown))} "
                    f"(no cue of that family in the rubric)"
                )


def _restored_toml(saved: Path | None, count: int) -> list[dict[str, Any]] | None:
    """The rubric files' parsed TOML as `_save_toml` saved it for their exact content (the file's name), or None.
    `marshal` reads the parsed tables in C, where `tomllib` is pure Python (about 88 million instructions of every
    start for this rubric)."""
    if saved is None:
        return None
    try:
        tables = [marshal.loads(table) for table in marshal.loads(saved.read_bytes())]
    except (OSError, ValueError, TypeError, EOFError):
        return None  # absent or damaged: parsed again
    return tables if len(tables) == count and all(isinstance(t, dict) for t in tables) else None


def _save_toml(saved: Path, tables: list[bytes]) -> None:
    """Save each file's parsed TOML (`marshal.dumps`, taken before anything read it), best effort."""
    try:
        private_folder(saved.parent)
        write_atomic(saved, marshal.dumps(tables), tighten=True)
    except OSError:
        pass  # a cache that cannot be written only costs speed


_PREPARED_HOLDS = b"\0cue, check and code list patterns"
"""What a saved preparation holds, in its file's key: a file saved before it held the code's word lists is left
unused (and a complete one saved), instead of being restored without them for good."""


def load_rubric(
    directories: Sequence[Path],
    *,
    disable: Iterable[str] = (),
    name: str = "candor",
    cache_dir: Path | None = None,
) -> Rubric:
    """Load every `*.toml` dimension file from the directories; a later directory overrides an earlier one by id.

    With a `cache_dir`, the prepared cue patterns of this exact rubric content are saved there after the first
    successful load and restored on later ones, which saves parsing a few hundred regular expressions per run.
    """
    files: list[tuple[Path, bytes]] = []
    for directory in directories:
        if not directory.is_dir():
            raise RubricError(f"{directory}: rubric directory not found")
        for path in sorted(directory.glob("*.toml")):
            try:
                files.append((path, path.read_bytes()))
            except OSError as err:
                raise RubricError(f"{path}: cannot read: {err.strerror}") from None
    prepared_file = programs_file = parsed_file = None
    if cache_dir is not None:
        content = hashlib.sha256(preparation_key().encode() + _PREPARED_HOLDS)
        for path, raw in files:
            content.update(str(path).encode() + b"\0" + raw + b"\0")
        prepared_file = cache_dir / f"patterns-{content.hexdigest()[:24]}.json"
        # The regex engine's programs of the same patterns, for this exact interpreter (`patterns.compile_regex`).
        programs_file = cache_dir / f"programs-{content.hexdigest()[:24]}-{programs_key()[:12]}.marshal"
        # The files' parsed TOML, for this interpreter's `tomllib` and `marshal` (`_parsed_toml`).
        parsed_file = cache_dir / f"toml-{content.hexdigest()[:24]}-{programs_key()[:12]}.marshal"
        record_programs()
    try:
        restored = prepared_file is not None and prepared_file.is_file() and load_prepared(prepared_file)
        if programs_file is not None and programs_file.is_file():
            load_programs(programs_file)
    except OSError:  # a cache folder the user cannot read (after a `sudo candor`) only costs speed
        restored = False
    texts: list[tuple[Path, bytes, dict[str, Any]]] = []
    """Each dimension file with its parsed TOML: parsed once (tomllib is pure Python, a good part of start-up)."""
    lists: dict[str, tuple[str, ...]] = {}
    list_sources: dict[str, str] = {}
    list_files: list[bytes] = []
    parsed = _restored_toml(parsed_file, len(files))
    tables: list[bytes] | None = [] if parsed_file is not None and parsed is None else None
    """Each file's parsed TOML as it came from the parser, to be saved once every file has loaded."""
    for n, (path, raw) in enumerate(files):
        if parsed is not None:
            data = parsed[n]
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise RubricError(f"{path}: cannot read: not UTF-8 ({err.reason})") from None
            data = _toml(text, str(path))
            if tables is not None:
                try:
                    tables.append(marshal.dumps(data))
                except ValueError:  # a value marshal cannot hold (a TOML date): this rubric is not saved
                    tables = None
        if path.name == LISTS_FILE:
            extra = sorted(set(data) - {"lists"})
            if extra:
                raise RubricError(f"{path}: {extra[0]}: a {LISTS_FILE} holds only a [lists] table")
            list_files.append(raw)
        else:
            texts.append((path, raw, data))
        found = _lists_of(data, str(path))
        lists.update(found)  # a later folder's list overrides
        list_sources.update(dict.fromkeys(found, str(path)))
    lexicon = _lexicon(lists, list_sources, ", ".join(str(d) for d in directories))
    by_id: dict[str, tuple[Dimension, Path, bytes]] = {}
    for path, raw, data in texts:
        dim = _dimension(data, str(path), lists)
        by_id[dim.id] = (dim, path, raw)
    _check_references([(dim, path) for dim, path, _ in by_id.values()])
    disabled = set(disable)
    unknown = disabled - set(by_id)
    if unknown:
        raise RubricError(f"disable: unknown dimension {', '.join(sorted(unknown))}; known: {', '.join(sorted(by_id))}")
    chosen = sorted((e for i, e in by_id.items() if i not in disabled), key=lambda e: (e[0].order, e[0].id))
    if not chosen:
        raise RubricError("rubric: no dimensions left (all disabled or none found)")
    if prepared_file is not None and not restored:
        # Every pattern validated on load: the cues', the over-explaining checks' and the word lists' the code
        # compiles (restoring one saves parsing and analysing it again on every start).
        dims = [dim for dim, _, _ in by_id.values()]
        cue_patterns = (p for dim in dims for cue in dim.cues for p in (*cue.patterns, *cue.unless))
        check_patterns = (p for d in dims for c in d.checks if isinstance(c, OverExplainingCheck) for p in c.patterns)
        list_patterns = (
            code_pattern(n, lists[use.list_name(n)]) for n, use in CODE_LISTS.items() if use.frame is not None
        )
        save_prepared(prepared_file, (*cue_patterns, *check_patterns, *list_patterns))
    scorer, scorer_raw = load_scorer(directories)
    digest = hashlib.sha256()
    for dim, _path, raw in chosen:
        digest.update(dim.id.encode() + b"\0" + raw + b"\0")
    for dim_id in sorted(disabled):
        # Disabled dimensions still supply evidence, so their content is part of what the rubric is.
        digest.update(b"evidence\0" + dim_id.encode() + b"\0" + by_id[dim_id][2] + b"\0")
    for raw in list_files:
        digest.update(b"lists\0" + raw + b"\0")
    if scorer is not None:
        digest.update(b"scorer\0" + scorer_raw + b"\0")
    everything = sorted(by_id.values(), key=lambda e: (e[0].order, e[0].id))
    if programs_file is not None:
        save_programs(programs_file)  # the word lists' (the engine adds its own: `engines.rules.warm`)
    if parsed_file is not None and tables is not None:
        _save_toml(parsed_file, tables)  # only a rubric that loaded whole
    return Rubric(
        name=name,
        dimensions=tuple(dim for dim, _, _ in chosen),
        hash=digest.hexdigest()[:16],
        lexicon=lexicon,
        sources=tuple(path for _, path, _ in chosen),
        scorer=scorer,
        evidence=tuple(dim for dim, _, _ in everything),
        programs=programs_file,
    )
