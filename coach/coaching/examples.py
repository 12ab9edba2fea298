"""The starter examples shown on empty pages (a draft, builder answers, a small workshop).

They are data (``coach/data/examples.yaml``); this module only reads them once.
"""

from __future__ import annotations

from pathlib import Path

import yaml

EXAMPLES_FILE = Path(__file__).parent.parent / "data" / "examples.yaml"

_EXAMPLES = yaml.safe_load(EXAMPLES_FILE.read_text(encoding="utf-8"))

EXAMPLE_TITLE: str = _EXAMPLES["draft"]["title"]
EXAMPLE_DRAFT: str = _EXAMPLES["draft"]["text"]
EXAMPLE_ANSWERS: dict[str, str] = dict(_EXAMPLES["builder_answers"])
EXAMPLE_WORKSHOP: dict[str, str] = dict(_EXAMPLES["workshop"])
