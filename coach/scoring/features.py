"""Draft -> numbers, computed once: what the learned scorer looks at.

Per sentence: its vector (MiniLM for English, multilingual e5 otherwise), where it sits in
the draft, its structure (tense, person, numbers, names, questions…: the rule engine's
sentence features) and how strongly each criterion's rubric signals fire on it. Per draft:
the mean vector, mean and max structure, the rule engine's levels and whole-draft flags, and
length. (Max-pooled vectors were tried and cost agreement: docs/scoring.md.)
The rule engine's outputs are features here, not verdicts: the model learns how far to trust
them. Column names are kept with the numbers so the weights file can be checked against them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from coach.report import Report
from coach.scoring.engine import Scorer
from coach.scoring.rubric import FIXED_CRITERIA
from coach.scoring.signals import DOC_FEATURE_NAMES, SENTENCE_FEATURES, SignalContext
from coach.text.draft import Draft

ENGLISH = "en"
LANGUAGES = ("en", "es", "fr")

# Grammatical person in the three languages we score (pronouns and possessives, not phrases).
_PERSON = {
    "first_singular": re.compile(
        r"\b(?:i|me|my|mine|myself|i'm|i’m|i've|i’ve|i'd|i’d|yo|mí|mi|mis|me|conmigo|"
        r"je|j'|j’|moi|mon|ma|mes)(?![\w])",
        re.I,
    ),
    "first_plural": re.compile(
        r"\b(?:we|us|our|ours|ourselves|we're|we’re|let's|let’s|nosotros|nosotras|nuestro|"
        r"nuestra|nuestros|nuestras|nos|nous|notre|nos)\b",
        re.I,
    ),
    "second": re.compile(
        r"\b(?:you|your|yours|you're|you’re|usted|ustedes|vosotros|tu|tus|te|vous|votre|vos|"
        r"toi|ton|ta|tes)\b",
        re.I,
    ),
}
_DIGIT = re.compile(r"\d")


def encoder_kind(language: str) -> str:
    """Which vector space a draft is scored in: ``en`` (MiniLM) or ``multi`` (e5)."""
    return "en" if language == ENGLISH else "multi"


@dataclass(frozen=True)
class DraftFeatures:
    """Everything the model needs about one draft; ``sentence_rows[i]`` is sentence i."""

    kind: str
    sentences: tuple[str, ...]
    sentence_rows: np.ndarray
    draft_row: np.ndarray
    sentence_columns: tuple[str, ...]
    draft_columns: tuple[str, ...]
    rule_report: Report
    doc: dict[str, bool]

    def sentence_vectors(self) -> np.ndarray:
        """The encoder's vector for each sentence (the first columns of its row)."""
        width = sum(1 for c in self.sentence_columns if c.startswith("vec_"))
        return self.sentence_rows[:, :width]


def _sentence_structure(
    draft: Draft, ctx: SignalContext, hits: dict[str, np.ndarray], english: bool
):
    names = sorted(SENTENCE_FEATURES)
    n = len(draft.sentences)
    paragraphs = max(len(draft.paragraphs), 1)
    rows, columns = [], []
    columns += ["pos_relative", "pos_first", "pos_last", "para_relative", "log_words"]
    columns += ["has_digit", "exclaims", *[f"person_{p}" for p in _PERSON]]
    columns += [f"feat_{name}" for name in names]
    columns += [f"rule_hits_{c}" for c in FIXED_CRITERIA]
    for sentence in draft.sentences:
        i = sentence.index
        text = sentence.text
        row = [
            i / max(n - 1, 1),
            float(i == 0),
            float(i == n - 1),
            sentence.paragraph / max(paragraphs - 1, 1),
            math.log1p(len(text.split())),
            float(bool(_DIGIT.search(text))),
            float(text.rstrip().endswith("!")),
            *[float(bool(p.search(text))) for p in _PERSON.values()],
        ]
        if english:
            row += [float(bool(SENTENCE_FEATURES[name](sentence, ctx))) for name in names]
            row += [float(hits[c][i]) for c in FIXED_CRITERIA]
        else:  # English-only observations say nothing in another language
            row += [0.0] * (len(names) + len(FIXED_CRITERIA))
        rows.append(row)
    return np.asarray(rows, dtype=np.float32).reshape(n, len(columns)), tuple(columns)


def extract(draft: Draft, rules: Scorer, encoder, kind: str | None = None) -> DraftFeatures:
    """The one place a draft becomes numbers (empty drafts never get here).

    ``kind`` defaults to the draft's language; training computes ``multi`` features for
    English drafts too, and then leaves the English-only observations out, as for any
    other language.
    """
    kind = kind or encoder_kind(draft.language)
    english = kind == "en"
    ctx = rules.context(draft)
    fired: dict = {}
    rule_report = rules.score(draft, context=ctx, hits_out=fired)
    hits = {}
    for criterion in rules.rubric.criteria:
        if criterion.id in FIXED_CRITERIA:
            weights = np.zeros(len(draft.sentences), dtype=np.float32)
            for hit in fired.get(criterion.id, ()):
                weights[hit.index] = hit.score
            hits[criterion.id] = weights
    for missing in set(FIXED_CRITERIA) - set(hits):
        hits[missing] = np.zeros(len(draft.sentences), dtype=np.float32)
    structure, structure_columns = _sentence_structure(draft, ctx, hits, english)
    vectors = encoder.embed([s.text for s in draft.sentences]).astype(np.float32)
    sentence_rows = np.hstack([vectors, structure])
    vector_columns = tuple(f"vec_{k}" for k in range(vectors.shape[1]))
    sentence_columns = vector_columns + structure_columns

    scores = rule_report.scores()
    draft_values = [
        *vectors.mean(axis=0),
        *structure.mean(axis=0),
        *structure.max(axis=0),
        *[scores.get(c, 0) / 2 if english else 0.0 for c in FIXED_CRITERIA],
        *[
            float(ctx.doc.get(flag, False)) if english else 0.0
            for flag in sorted(DOC_FEATURE_NAMES)
        ],
        *[
            float(rule_report.components.get(k, False)) if english else 0.0
            for k in ("self", "us", "now")
        ],
        math.log1p(draft.word_count),
        math.log1p(len(draft.sentences)),
        math.log1p(len(draft.paragraphs)),
    ]
    draft_columns = (
        *[f"mean_{c}" for c in vector_columns],
        *[f"mean_{c}" for c in structure_columns],
        *[f"max_{c}" for c in structure_columns],
        *[f"rule_level_{c}" for c in FIXED_CRITERIA],
        *[f"rule_doc_{flag}" for flag in sorted(DOC_FEATURE_NAMES)],
        *[f"rule_component_{k}" for k in ("self", "us", "now")],
        "log_words",
        "log_sentences",
        "log_paragraphs",
    )
    return DraftFeatures(
        kind=kind,
        sentences=tuple(s.text for s in draft.sentences),
        sentence_rows=sentence_rows,
        draft_row=np.asarray(draft_values, dtype=np.float32),
        sentence_columns=sentence_columns,
        draft_columns=tuple(draft_columns),
        rule_report=rule_report,
        doc=dict(ctx.doc) if english else {},  # the rule engine's flags are English-only
    )
