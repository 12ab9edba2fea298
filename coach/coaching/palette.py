"""One colour per criterion, the same in the app and in the exported feedback.

The Okabe-Ito palette, told apart with colour-blindness too; criteria outside the eight
(checks, a trainer's own) share a grey. The app (``ui/components.py``) highlights evidence
with these; the PDF export marks each criterion and plan step with them.
"""

from __future__ import annotations

CRITERION_COLOURS = {
    "challenge": "#E69F00",
    "choice": "#56B4E9",
    "outcome": "#009E73",
    "hope": "#C9B800",
    "call_to_action": "#0072B2",
    "values": "#D55E00",
    "specificity": "#CC79A7",
    "urgency": "#6B4E2E",
}
OTHER_COLOUR = "#8C8C8C"


def criterion_colour(criterion_id: str | None) -> str:
    """``"#RRGGBB"`` for a criterion id; the shared grey for any other (or none)."""
    return CRITERION_COLOURS.get(criterion_id or "", OTHER_COLOUR)


def rgb(colour: str) -> tuple[int, int, int]:
    """``"#0072B2"`` -> ``(0, 114, 178)``."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
