"""The example table: for every criterion, drafts that should earn it and drafts that should not.

The table is data (examples.yaml), like the rubric. Each row is a short text of our own with
the least it should earn (``at_least``) or the most it may earn (``at_most``). Rows the
scorer gets wrong today stay in the table marked ``xfail: reason`` and run as strict
xfails, so a fix to the method shows up as an XPASS to un-mark, never as silence.
"""

from __future__ import annotations

import pytest
import yaml
from scoring_support import EXAMPLES

from coach.scoring.rubric import load_rubric

TABLE: dict[str, dict[str, list[dict]]] = yaml.safe_load(EXAMPLES.read_text(encoding="utf-8"))
KINDS = ("should_earn", "should_not_earn")


def _rows():
    for criterion_id, groups in TABLE.items():
        for kind in KINDS:
            for number, row in enumerate(groups.get(kind) or [], 1):
                marks = []
                if row.get("xfail"):
                    reason = " ".join(row["xfail"].split())
                    marks.append(pytest.mark.xfail(strict=True, reason=reason))
                yield pytest.param(
                    criterion_id,
                    kind,
                    row,
                    id=f"{criterion_id}-{kind}-{number}-{row.get('domain', 'text')}",
                    marks=marks,
                )


@pytest.mark.parametrize(("criterion_id", "kind", "row"), list(_rows()))
def test_example(score, criterion_id: str, kind: str, row: dict) -> None:
    report = score(row["text"])
    result = report.criterion(criterion_id)
    explain = f"{criterion_id} scored {result.score} ({result.reason}) for: {row['text']!r}"
    if kind == "should_earn":
        assert result.score >= row["at_least"], explain
    else:
        assert result.score <= row["at_most"], explain


@pytest.mark.parametrize("criterion_id", [c.id for c in load_rubric().criteria])
def test_every_criterion_has_examples_both_ways(criterion_id: str) -> None:
    """Adding a criterion to the rubric means adding its examples here too.

    Two or more each way, and at least one each way that the scorer gets right today, so
    the table always shows what the criterion does, not only what it misses.
    """
    groups = TABLE.get(criterion_id) or {}
    for kind in KINDS:
        rows = groups.get(kind) or []
        assert len(rows) >= 2, f"examples.yaml: '{criterion_id}' needs 2+ '{kind}' examples"
        passing = [row for row in rows if not row.get("xfail")]
        assert passing, f"examples.yaml: '{criterion_id}' has no passing '{kind}' example"


def test_table_rows_are_well_formed() -> None:
    """Each row has a text and exactly the bound its kind needs; no stray criteria."""
    known = {c.id for c in load_rubric().criteria}
    assert set(TABLE) <= known, f"examples for unknown criteria: {sorted(set(TABLE) - known)}"
    for criterion_id, groups in TABLE.items():
        assert set(groups) <= set(KINDS), criterion_id
        for kind, bound in (("should_earn", "at_least"), ("should_not_earn", "at_most")):
            for row in groups.get(kind) or []:
                assert row["text"].strip(), criterion_id
                assert row[bound] in (0, 1, 2), (criterion_id, row)
                assert set(row) <= {"text", bound, "domain", "note", "xfail"}, (criterion_id, row)
