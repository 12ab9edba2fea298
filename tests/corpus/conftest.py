"""Fixtures for checking the built-in guidance corpus (corpus/cards) and its retrieval check set."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CARDS_DIR = ROOT / "corpus" / "cards"
QUESTIONS = ROOT / "tests" / "data" / "retrieval_questions.jsonl"  # held out: never tune on it
DEV_QUESTIONS = ROOT / "tests" / "data" / "retrieval_dev_questions.jsonl"  # for tuning
#: More questions for fitting the ranker, each file by another writer who saw only the
#: cards' titles and bodies (docs/library.md).
MORE_DEV = {
    name: ROOT / "tests" / "data" / f"retrieval_{name}_questions.jsonl" for name in ("dev2", "dev3")
}
#: Questions by six writers who never saw the cards, labelled afterwards by others.
STRANGERS = ROOT / "datasets" / "questions" / "questions.settled.jsonl"


@dataclass(frozen=True)
class Card:
    path: Path
    meta: dict
    body: str


def parse_card(path: Path) -> Card:
    """Split a card into YAML front matter and Markdown body; fail loudly on a bad header."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError(f"{path.name}: must start with '---' front matter")
    header, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise ValueError(f"{path.name}: front matter is not closed with '---'")
    meta = yaml.safe_load(header)
    if not isinstance(meta, dict):
        raise ValueError(f"{path.name}: front matter is not a mapping")
    return Card(path=path, meta=meta, body=body.strip())


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cards() -> list[Card]:
    return [parse_card(p) for p in sorted(CARDS_DIR.glob("*.md"))]


def read_questions(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def questions() -> list[dict]:
    return read_questions(QUESTIONS)


@pytest.fixture(scope="session")
def dev_questions() -> list[dict]:
    return read_questions(DEV_QUESTIONS)


@pytest.fixture(scope="session")
def question_paths() -> dict[str, Path]:
    """The held-out check set (never tune on it) and the dev set (for tuning)."""
    return {"check": QUESTIONS, "dev": DEV_QUESTIONS}


@pytest.fixture(scope="session")
def training_paths() -> dict[str, Path]:
    """Every question set the ranker may be fitted on (never the check set)."""
    return {"dev": DEV_QUESTIONS, **MORE_DEV, "strangers": STRANGERS}


@pytest.fixture(scope="session", params=["check", "dev", "dev2", "dev3"])
def question_set(request) -> tuple[str, list[dict]]:
    """Each retrieval question set in turn: the held-out check set and the dev sets."""
    path = {"check": QUESTIONS, "dev": DEV_QUESTIONS, **MORE_DEV}[request.param]
    return path.name, read_questions(path)
