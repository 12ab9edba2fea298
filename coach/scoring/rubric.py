"""Load and validate rubric files: criteria are data, the engine is generic.

A rubric file (YAML) holds named lexicons and patterns, and a list of criteria. Each
criterion says what earns 0/1/2, which signals (``lex:``, ``re:``, ``feat:``, ``doc:``)
count as evidence, the thresholds, caps for whole-draft properties, weights per story
type, a guidance query for retrieval, a coaching question and its own examples (text ->
expected level). Adding a criterion means editing a rubric file, not code. The names a rubric
may use (signals, doc flags, metrics, story types) come from ``coach.scoring.vocabulary``;
the counts that decide the whole-draft flags are the file's ``doc_flags`` section. Validation
errors name the file and the criterion, one line per problem.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coach.errors import RubricError
from coach.scoring.signals import compile_lexicon, compile_pattern
from coach.scoring.vocabulary import (
    DOC_FLAGS,
    METRICS,
    STORY_TYPES,
    unknown_name,
    unknown_signal,
)

DEFAULT_RUBRIC = Path(__file__).parent.parent / "rubrics" / "public_narrative.yaml"
#: A rubric is a page of YAML; anything far bigger is a mistake (or an attack on the parser).
MAX_RUBRIC_BYTES = 1_000_000
FIXED_CRITERIA = (
    "challenge",
    "choice",
    "outcome",
    "hope",
    "call_to_action",
    "values",
    "specificity",
    "urgency",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _problems(problems: list[str]) -> None:
    """Raise all of a model's problems at once; ``_describe`` gives each its own line."""
    if problems:
        raise ValueError("\n".join(problems))


class Signal(_Strict):
    """Fires on a sentence when every ``all`` signal, some ``any`` signal and no ``none`` fires."""

    label: str
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    near: tuple[str, ...] = ()  # each must fire within ``window`` sentences of this one
    window: int = Field(default=1, ge=0, le=5)
    weight: float = 1.0

    @model_validator(mode="after")
    def _needs_a_condition(self) -> Signal:
        if not (self.all or self.any):
            raise ValueError(f"signal '{self.label}' needs 'all' or 'any'")
        return self

    def names(self) -> tuple[str, ...]:
        return self.all + self.any + self.none + self.near


class Cap(_Strict):
    """Limit a criterion's score when a whole-draft property holds (e.g. procedural text)."""

    when: str = Field(pattern=r"^doc:[a-z_]+$")
    max: int = Field(ge=0, le=2)
    reason: str


class Metric(_Strict):
    """A criterion scored from a number about the whole draft, by bands."""

    name: str
    bands: tuple[tuple[float, float, int], ...]  # (low inclusive, high exclusive, score)

    @model_validator(mode="after")
    def _known_and_banded(self) -> Metric:
        unknown = unknown_name(self.name, METRICS, "metric")
        problems = [unknown] if unknown else []
        for low, high, score in self.bands:
            if score not in (0, 1, 2):
                problems.append(f"band [{low}, {high}, {score}]: the score must be 0, 1 or 2")
            if not low < high:
                problems.append(f"band [{low}, {high}, {score}]: low must be below high")
        _problems(problems)
        return self


class Example(_Strict):
    """A fixture kept beside its criterion: this text alone should score exactly ``level``."""

    text: str = Field(min_length=1)
    level: int = Field(ge=0, le=2)


class Criterion(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    short: str = Field(default="", max_length=12)  # a table column's header; the name if empty
    description: str
    levels: dict[int, str]
    signals: tuple[Signal, ...] = ()
    metric: Metric | None = None
    weak_at: float = 1.0
    strong_at: float = 2.0
    extra_evidence_bonus: float = Field(default=0.25, ge=0)
    max_bonus: float = Field(default=0.5, ge=0)
    caps: tuple[Cap, ...] = ()
    inverted: bool = False  # a "no_…" check: full marks when nothing fires
    # "core" criteria make up the overall score; "check" criteria (delivery, framing traps)
    # can only pull it down a little, so a recipe cannot earn points for being short.
    role: Literal["core", "check"] = "core"
    # With the learned scorer, the level is how many of these story parts (self, us, now) the
    # draft tells, read by the learned model, instead of the signals (docs/scoring.md).
    from_components: tuple[Literal["self", "us", "now"], ...] = ()
    weights: dict[str, float]  # one per story type
    guidance_query: str = Field(min_length=3)
    coaching_question: str = Field(min_length=3)
    illustration: str = ""  # a short example of the pattern, in our own words (never the user's)
    examples: tuple[Example, ...] = ()  # run by `coach rubric check`, as our tests run ours

    @property
    def label(self) -> str:
        """The name to fit where space is short (a table's column header)."""
        return self.short or self.name

    @model_validator(mode="after")
    def _consistent(self) -> Criterion:
        problems = []
        if set(self.levels) != {0, 1, 2}:
            problems.append("levels must describe exactly 0, 1 and 2")
        if not self.signals and self.metric is None:
            problems.append("needs signals or a metric")
        if self.strong_at < self.weak_at:
            problems.append("strong_at must be >= weak_at")
        missing = set(STORY_TYPES) - set(self.weights)
        if missing:
            problems.append(f"weights missing for story types: {sorted(missing)}")
        unknown = (unknown_name(name, STORY_TYPES, "story type") for name in self.weights)
        problems += [f"weights: {reason}" for reason in unknown if reason]
        _problems(problems)
        return self


class GenrePrototypes(_Strict):
    """Example passages per genre; a draft nearer the non-narrative ones is flagged."""

    narrative: tuple[str, ...]
    non_narrative: tuple[str, ...]
    margin: float = 0.0
    min_words: int = Field(default=12, ge=0)  # shorter drafts are not compared
    sample_chars: int = Field(default=1500, ge=1)  # how much of the draft is compared


# The counts that decide the ``doc:`` flags (``signals.doc_flags``). The defaults are the
# packaged rubric's values, so a rubric without a ``doc_flags`` section decides them as ours.
# "narrated" counts sentences where I or we did something in the past ("I filed").


class ProceduralLimits(_Strict):
    min_instructions: int = Field(default=3, ge=0)
    min_share: float = Field(default=0.2, ge=0, le=1)
    max_narrated: int = Field(default=1, ge=0)


class NarrativeLimits(_Strict):
    min_narrated: int = Field(default=2, ge=0)


class StatisticalLimits(_Strict):
    min_statistics: int = Field(default=3, ge=0)
    min_share: float = Field(default=0.3, ge=0, le=1)
    max_narrated: int = Field(default=1, ge=0)


class TemplateLimits(_Strict):
    min_markers: int = Field(default=2, ge=1)
    one_marker_under_words: int = Field(default=120, ge=0)


class ShortLimits(_Strict):
    under_words: int = Field(default=60, ge=0)


class HedgedLimits(_Strict):
    min_hedges: int = Field(default=5, ge=0)
    min_per_100_words: float = Field(default=2.0, ge=0, le=100)


class FatalisticLimits(_Strict):
    min_blocking: int = Field(default=2, ge=1)
    min_blocking_without_solution: int = Field(default=1, ge=1)


class DocFlagLimits(_Strict):
    """One entry per ``doc:`` flag that is decided by counts (see the rubric's comments)."""

    procedural: ProceduralLimits = ProceduralLimits()
    narrative: NarrativeLimits = NarrativeLimits()
    statistical: StatisticalLimits = StatisticalLimits()
    template: TemplateLimits = TemplateLimits()
    short: ShortLimits = ShortLimits()
    hedged: HedgedLimits = HedgedLimits()
    fatalistic: FatalisticLimits = FatalisticLimits()

    @model_validator(mode="before")
    @classmethod
    def _declared_flags(cls, data):
        if isinstance(data, dict):
            problems = []
            for name in data:
                if str(name) in cls.model_fields:
                    continue
                problems.append(
                    unknown_name(str(name), DOC_FLAGS, "doc flag")
                    or f"doc flag '{name}' is not decided by counts; it takes no thresholds"
                )
            _problems(problems)
        return data


class Detection(_Strict):
    """Which signals and criteria decide the self/us/now components, the story type and the
    whole-draft checks. Data, so a custom rubric can name its own lexicons and criteria."""

    collective: tuple[str, ...] = ("lex:collective", "re:named_we")
    us_needs: tuple[str, ...] = ("values",)
    now_needs: tuple[str, ...] = ("challenge", "urgency", "call_to_action")
    #: A story of now is told through a lived situation, not only data, logistics or
    #: slogans: a sentence matching one of these, or ``now_concrete`` at full marks.
    now_lived: tuple[str, ...] = ("feat:in_episode",)
    now_concrete: str = "challenge"
    arc: tuple[str, ...] = ("challenge", "choice", "outcome")
    ask: str = "call_to_action"
    substance: tuple[str, ...] = (
        "challenge",
        "choice",
        "outcome",
        "hope",
        "call_to_action",
        "values",
        "urgency",
    )
    hedges: str = "lex:hedges"
    blocking_emotion: str = "lex:blocking_emotion"
    solutions: str = "lex:solution_words"
    template: str = "re:template_marker"
    opening_value: tuple[str, ...] = ("lex:values", "re:deserve_clause")


#: Detection fields that name signals, and those that name criteria.
DETECTION_SIGNALS = (
    "collective",
    "now_lived",
    "hedges",
    "blocking_emotion",
    "solutions",
    "template",
    "opening_value",
)
DETECTION_CRITERIA = frozenset({"us_needs", "now_needs", "now_concrete", "arc", "ask", "substance"})


class Rubric(_Strict):
    id: str
    check_share: float = Field(default=0.15, ge=0, le=1)  # how much checks can move overall
    version: str
    name: str
    description: str = ""
    action_verbs: tuple[str, ...]
    procedural_verbs: tuple[str, ...] = ()
    lexicons: dict[str, tuple[str, ...]]
    patterns: dict[str, str] = {}
    genres: GenrePrototypes | None = None
    doc_flags: DocFlagLimits = DocFlagLimits()
    detection: Detection = Detection()
    criteria: tuple[Criterion, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Rubric:
        ids = [c.id for c in self.criteria]
        duplicates = {i for i in ids if ids.count(i) > 1}
        problems = [f"duplicate criterion ids: {sorted(duplicates)}"] if duplicates else []
        problems += self._patterns_compile()
        for criterion in self.criteria:
            names = [n for s in criterion.signals for n in s.names()]
            names += [cap.when for cap in criterion.caps]
            for name in dict.fromkeys(names):
                reason = unknown_signal(name, self.lexicons, self.patterns)
                if reason:
                    problems.append(
                        f"criterion '{criterion.id}': unknown signal '{name}' ({reason})"
                    )
        problems += self._detection_resolves(set(ids))
        _problems(problems)
        return self

    def _patterns_compile(self) -> list[str]:
        problems = []
        for name, pattern in self.patterns.items():
            try:
                compile_pattern(pattern)
            except Exception as exc:  # re.error
                users = [
                    c.id
                    for c in self.criteria
                    if f"re:{name}" in [n for s in c.signals for n in s.names()]
                ]
                used_by = (
                    f" (used by criterion {', '.join(repr(u) for u in users)})" if users else ""
                )
                problems.append(f"pattern '{name}'{used_by} does not compile: {exc}")
        return problems

    def _detection_resolves(self, ids: set[str]) -> list[str]:
        """Every signal the detection block names exists; criteria it was given exist.

        Criterion fields left at their defaults may name criteria a custom rubric lacks
        (they then count as 0); a value the rubric sets itself must be right.
        """
        detection, problems = self.detection, []
        for field in DETECTION_SIGNALS:
            value = getattr(detection, field)
            for name in (value,) if isinstance(value, str) else value:
                reason = unknown_signal(name, self.lexicons, self.patterns)
                if reason:
                    problems.append(f"detection.{field}: unknown signal '{name}' ({reason})")
        for field in sorted(DETECTION_CRITERIA & detection.model_fields_set):
            value = getattr(detection, field)
            unknown = sorted(({value} if isinstance(value, str) else set(value)) - ids)
            if unknown:
                problems.append(f"detection.{field}: unknown criteria {unknown}")
        return problems

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def count(self, signal: str, text: str) -> int:
        """How often a ``lex:`` or ``re:`` signal occurs in a text (0 if the rubric lacks it)."""
        kind, _, key = signal.partition(":")
        table = self.compiled_lexicons if kind == "lex" else self.compiled_patterns
        pattern = table.get(key)
        return sum(1 for _ in pattern.finditer(text)) if pattern else 0

    @cached_property
    def compiled_lexicons(self):
        return {name: compile_lexicon(tuple(p)) for name, p in self.lexicons.items()}

    @cached_property
    def compiled_patterns(self):
        return {name: compile_pattern(p) for name, p in self.patterns.items()}


class InvalidRubric(RubricError):
    """A rubric file that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__(f"{path}: " + "; ".join(self.problems))


def _describe(error: ValidationError, data: dict) -> list[str]:
    """One line per problem, naming the criterion rather than its position in the list."""
    lines = []
    for item in error.errors():
        loc = list(item["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], int):
            try:
                where = f"criterion '{data['criteria'][loc[1]].get('id', loc[1])}': " + ".".join(
                    str(p) for p in loc[2:]
                )
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
        message = str(item["msg"]).removeprefix("Value error, ")
        prefix = f"{where}: " if where and not where.endswith(": ") else where
        lines += [prefix + line for line in message.splitlines()]
    return lines


def _read_yaml(path: Path):
    """The file's data, read safely (no tags that build objects) and only up to a size."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_RUBRIC_BYTES + 1)
    except OSError as exc:
        raise InvalidRubric(path, [f"cannot read rubric file ({exc.strerror})"]) from exc
    if len(raw) > MAX_RUBRIC_BYTES:
        raise InvalidRubric(path, ["larger than 1 MB; a rubric file is a page of YAML"])
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidRubric(path, ["not valid YAML (the file is not UTF-8 text)"]) from exc
    except yaml.YAMLError as exc:
        raise InvalidRubric(path, [f"not valid YAML ({_yaml_problem(exc)})"]) from exc


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's message spans several lines; keep where and what on one."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return problem
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def load_rubric(path: Path | str | None = None) -> Rubric:
    """Read and validate a rubric file (the packaged default when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_RUBRIC
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise InvalidRubric(path, ["a rubric file must be a mapping with 'criteria'"])
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        raise InvalidRubric(path, _describe(exc, data)) from exc
