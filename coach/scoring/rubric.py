"""Load and validate rubric files: criteria are data, the engine is generic.

A rubric file (YAML) holds named lexicons and patterns, and a list of criteria. Each
criterion says what earns 0/1/2, which signals (``lex:``, ``re:``, ``feat:``, ``doc:``)
count as evidence, the thresholds, caps for whole-draft properties, weights per story
type, a guidance query for retrieval and a coaching question. Adding a criterion means
editing a rubric file, not code. Validation errors name the file and the criterion.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coach.errors import RubricError
from coach.scoring.signals import compile_lexicon, compile_pattern, known_signal

STORY_TYPES = ("self", "us", "now", "narrative", "message")
DEFAULT_RUBRIC = Path(__file__).parent.parent / "rubrics" / "public_narrative.yaml"
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

    name: Literal["speaking_time_fit", "readability_grade", "opening_values_first"]
    bands: tuple[tuple[float, float, int], ...]  # (low inclusive, high exclusive, score)


class Criterion(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    levels: dict[int, str]
    signals: tuple[Signal, ...] = ()
    metric: Metric | None = None
    weak_at: float = 1.0
    strong_at: float = 2.0
    extra_evidence_bonus: float = 0.25
    max_bonus: float = 0.5
    caps: tuple[Cap, ...] = ()
    inverted: bool = False  # a "no_…" check: full marks when nothing fires
    # "core" criteria make up the overall score; "check" criteria (delivery, framing traps)
    # can only pull it down a little, so a recipe cannot earn points for being short.
    role: Literal["core", "check"] = "core"
    weights: dict[Literal["self", "us", "now", "narrative", "message"], float]
    guidance_query: str = Field(min_length=3)
    coaching_question: str = Field(min_length=3)
    illustration: str = ""  # a short example of the pattern, in our own words (never the user's)

    @model_validator(mode="after")
    def _consistent(self) -> Criterion:
        if set(self.levels) != {0, 1, 2}:
            raise ValueError("levels must describe exactly 0, 1 and 2")
        if not self.signals and self.metric is None:
            raise ValueError("needs signals or a metric")
        if self.strong_at < self.weak_at:
            raise ValueError("strong_at must be >= weak_at")
        missing = set(STORY_TYPES) - set(self.weights)
        if missing:
            raise ValueError(f"weights missing for story types: {sorted(missing)}")
        return self


class GenrePrototypes(_Strict):
    """Example passages per genre; a draft nearer the non-narrative ones is flagged."""

    narrative: tuple[str, ...]
    non_narrative: tuple[str, ...]
    margin: float = 0.0


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
    detection: Detection = Detection()
    criteria: tuple[Criterion, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Rubric:
        ids = [c.id for c in self.criteria]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate criterion ids: {sorted(duplicates)}")
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
                raise ValueError(f"pattern '{name}'{used_by} does not compile: {exc}") from exc
        for criterion in self.criteria:
            names = [n for s in criterion.signals for n in s.names()]
            names += [cap.when for cap in criterion.caps]
            for name in names:
                if not known_signal(name, self.lexicons, self.patterns):
                    raise ValueError(f"criterion '{criterion.id}': unknown signal '{name}'")
        self._detection_resolves(set(ids))
        return self

    def _detection_resolves(self, ids: set[str]) -> None:
        """Every signal the detection block names exists; criteria it was given exist.

        Criterion fields left at their defaults may name criteria a custom rubric lacks
        (they then count as 0); a value the rubric sets itself must be right.
        """
        detection = self.detection
        for field in DETECTION_SIGNALS:
            value = getattr(detection, field)
            for name in (value,) if isinstance(value, str) else value:
                if not known_signal(name, self.lexicons, self.patterns):
                    raise ValueError(f"detection.{field}: unknown signal '{name}'")
        for field in DETECTION_CRITERIA & detection.model_fields_set:
            value = getattr(detection, field)
            unknown = sorted(({value} if isinstance(value, str) else set(value)) - ids)
            if unknown:
                raise ValueError(f"detection.{field}: unknown criteria {unknown}")

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


def _describe(error: ValidationError, data: dict) -> str:
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
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def load_rubric(path: Path | str | None = None) -> Rubric:
    """Read and validate a rubric file (the packaged default when ``path`` is None)."""
    path = Path(path) if path else DEFAULT_RUBRIC
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricError(f"{path}: cannot read rubric file ({exc.strerror})") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise RubricError(f"{path}: a rubric file must be a mapping with 'criteria'")
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(f"{path}: {_describe(exc, data)}") from exc
