"""Paths and constants shared by the scorer's tests (imported by name, like a fixture file)."""

from __future__ import annotations

from pathlib import Path

from coach.scoring.rubric import FIXED_CRITERIA

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SAMPLES = REPO_ROOT / "tests" / "samples"
GOLDEN = HERE / "golden"
EXAMPLES = HERE / "examples.yaml"
#: The labelled dev set lives next to the repository, not in it; tests skip without it.
DEV_SET = REPO_ROOT.parent / "shared" / "eval" / "dev"
#: Criterion ids other tools rely on (DESIGN.md); the default rubric must have them all.
FIXED_IDS = FIXED_CRITERIA
SCHEMA = "narrative-coach/report/v1"
