"""The labelled draft corpus (``datasets/drafts/``): texts, writers and settled labels.

Each text has two independent labels (``labels/first.jsonl``, ``labels/second.jsonl``); where
they differ, a third labeller's answer for that field (``labels/third.jsonl``) settles it by
the median of the three. Evidence for a criterion is every sentence a labeller quoted while
scoring that criterion 1 or 2, when the settled level is 1 or 2. See the datasheet.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from coach.errors import InputError
from coach.scoring.rubric import FIXED_CRITERIA

COMPONENTS = ("self", "us", "now")
STORY_TYPE_LABELS = {
    "full public narrative": "narrative",
    "self": "self",
    "us": "us",
    "now": "now",
    "campaign message": "message",
    "non-narrative": "non-narrative",
}
NARRATIVE_TYPES = frozenset({"narrative", "self", "us", "now"})
SPEECH_WRITER = "president: "  # the writer of a speech excerpt is its president
LABEL_FILES = ("first", "second", "third")


@dataclass(frozen=True)
class LabelledDraft:
    id: str
    writer: str
    language: str
    text: str
    labels: dict[str, int]
    components: dict[str, bool]
    overall: int
    story_type: str
    evidence: dict[str, tuple[str, ...]]

    @property
    def is_narrative(self) -> bool:
        return self.story_type in NARRATIVE_TYPES

    @property
    def is_speech_excerpt(self) -> bool:
        return self.writer.startswith(SPEECH_WRITER)


def _read_jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return rows


def _median(values: list) -> int:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if len(ordered) % 2 else ordered[len(ordered) // 2 - 1]


def settle_value(first, second, third):
    """Agreed value, else the median of the three (the lower of two if no third answer)."""
    if first == second:
        return first
    if third is None:
        return min(first, second)
    if isinstance(first, str):
        votes = [first, second, third]
        return max(votes, key=votes.count) if votes.count(third) > 1 else first
    return _median([first, second, third])


def settle(first: dict, second: dict, third: dict | None) -> dict:
    """One settled label record from two labels and the third labeller's disputed fields."""
    third = third or {}
    third_labels = third.get("labels", {})
    labels = {
        c: int(settle_value(first["labels"][c], second["labels"][c], third_labels.get(c)))
        for c in FIXED_CRITERIA
    }
    components = {k: bool(settle_value(first[k], second[k], third.get(k))) for k in COMPONENTS}
    overall = int(settle_value(first["overall"], second["overall"], third.get("overall")))
    story_type = settle_value(first["story_type"], second["story_type"], third.get("story_type"))
    evidence = {}
    for criterion in FIXED_CRITERIA:
        if labels[criterion] == 0:
            continue
        quotes: list[str] = []
        for record in (first, second, third):
            if record.get("labels", {}).get(criterion, 0) >= 1:
                quotes += [q for q in record.get("evidence", {}).get(criterion, []) if q]
        evidence[criterion] = tuple(dict.fromkeys(quotes))
    return {
        "labels": labels,
        "components": components,
        "overall": overall,
        "story_type": STORY_TYPE_LABELS.get(story_type, story_type),
        "evidence": evidence,
    }


def load_corpus(root: Path) -> list[LabelledDraft]:
    """Every text with both labels, in id order (texts still waiting for labels are skipped)."""
    if not (root / "texts").is_dir():
        raise InputError(f"{root}: not a draft corpus (expected texts/ and labels/)")
    meta = {}
    for brief_file in sorted((root / "briefs").glob("*.jsonl")):
        for row in _read_jsonl(brief_file):
            meta[row["id"]] = row
    labels = {
        name: {r["id"]: r for r in _read_jsonl(root / "labels" / f"{name}.jsonl")}
        for name in LABEL_FILES
    }
    drafts = []
    for path in sorted((root / "texts").glob("*/*.txt")):
        ident = path.stem
        if ident not in labels["first"] or ident not in labels["second"]:
            continue
        settled = settle(
            labels["first"][ident], labels["second"][ident], labels["third"].get(ident)
        )
        info = meta.get(ident, {})
        drafts.append(
            LabelledDraft(
                id=ident,
                writer=writer_of(info, path.parent.name),
                language=info.get("language", "en"),
                text=path.read_text(encoding="utf-8"),
                **settled,
            )
        )
    return drafts


def writer_of(brief: dict, folder: str) -> str:
    """Who wrote a text: the brief's writer, or for a speech excerpt, the president."""
    source = brief.get("source", "")
    if brief.get("writer") == "presidential" and source.endswith(")") and "(" in source:
        return SPEECH_WRITER + source[source.rindex("(") + 1 : -1]
    return brief.get("writer", folder)


def corpus_hash(drafts: list[LabelledDraft]) -> str:
    """What the weights were trained on: texts and settled labels, order-independent."""
    digest = hashlib.sha256()
    for draft in sorted(drafts, key=lambda d: d.id):
        record = [
            draft.id,
            draft.text,
            draft.labels,
            draft.components,
            draft.overall,
            draft.story_type,
            {k: list(v) for k, v in sorted(draft.evidence.items())},
        ]
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"', "—": "-", "–": "-"}
)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return _SPACE.sub(" ", text).strip(" \"'")


def evidence_indices(sentences: list[str], quotes: tuple[str, ...]) -> set[int]:
    """Which sentences a labeller's quotes point at (a quote may span or sit inside a sentence)."""
    found = set()
    normalised = [normalise(s) for s in sentences]
    for quote in quotes:
        q = normalise(quote)
        if len(q) < 8:
            continue
        for index, sentence in enumerate(normalised):
            if len(sentence) >= 8 and (q in sentence or sentence in q):
                found.add(index)
    return found
