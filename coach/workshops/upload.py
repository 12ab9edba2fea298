"""Adding uploaded drafts to a workshop: score each text and keep it as a participant's version.

The app's Workshop review and any script share this, so the rules are the same everywhere:
files are taken in name-and-version order (``ana_v1`` before ``ana_v2``), a participant's
texts are versions of one draft, unreadable or empty texts are reported and skipped, and
every report is stored with the version it scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from coach.errors import CoachError
from coach.report import Report
from coach.storage.workspace import WorkshopView, Workspace, split_version
from coach.workshops.review import ReviewItem

Score = Callable[[str, str], Report]  # (text, story type) -> report
Progress = Callable[[int, int, str], None]  # (done, total, item name)


def add_texts(
    workspace: Workspace,
    view: WorkshopView,
    items: Sequence[ReviewItem],
    story_type: str,
    score: Score,
    progress: Progress | None = None,
) -> list[str]:
    """Score and save each readable item; returns one line per item that was skipped."""
    problems = []
    order = sorted(
        range(len(items)),
        key=lambda i: (
            split_version(items[i].name)[0].casefold(),
            split_version(items[i].name)[1],
            i,
        ),
    )
    view.story_type = story_type
    workspace.save_workshop(view)
    for done, index in enumerate(order, 1):
        item = items[index]
        if progress is not None:
            progress(done, len(order), item.name)
        if item.error is not None or item.text is None:
            problems.append(f"{item.name}: {item.error or 'no text'}")
            continue
        participant = split_version(item.name)[0] or item.name
        try:
            report = score(item.text, story_type)
            if report.nothing_to_score:
                problems.append(f"{item.name}: the draft is empty")
                continue
            version = workspace.add_participant_text(view, participant, item.text, story_type)
            workspace.attach(version.id, report.to_dict(), report.rubric_version, None)
        except CoachError as exc:
            problems.append(f"{item.name}: {exc}")
    return problems
