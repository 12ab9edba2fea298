"""The areas of ``coach/`` and the imports each may make (docs/architecture.md).

Read from the source with ``ast``, so a function-local import counts as much as a top-level one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = {"coach", "coach.errors", "coach.settings", "coach.report"}

# area -> areas it must never import (prefix match on the imported module)
FORBIDDEN = {
    "coach.text": [
        "coach.scoring",
        "coach.library",
        "coach.coaching",
        "coach.rehearsal",
        "coach.workshops",
        "coach.storage",
        "coach.cli",
        "coach.services",
    ],
    "coach.scoring": [
        "coach.library",
        "coach.storage",
        "coach.coaching",
        "coach.workshops",
        "coach.cli",
        "coach.services",
        "coach.rehearsal",
    ],
    "coach.library": [
        "coach.scoring",
        "coach.coaching",
        "coach.storage",
        "coach.workshops",
        "coach.cli",
        "coach.services",
        "coach.rehearsal",
    ],
    "coach.coaching": ["coach.storage", "coach.workshops", "coach.cli", "coach.services"],
    "coach.rehearsal": [
        "coach.scoring",
        "coach.library",
        "coach.coaching",
        "coach.storage",
        "coach.workshops",
        "coach.cli",
        "coach.services",
    ],
    "coach.storage": [
        "coach.scoring",
        "coach.library",
        "coach.coaching",
        "coach.workshops",
        "coach.cli",
        "coach.services",
        "coach.rehearsal",
    ],
    "coach.errors": ["coach."],
    "coach.report": ["coach."],
    "coach.settings": ["coach."],
    "coach": ["ui", "streamlit", "app"],
}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth; ``from a import b`` gives a and a.b."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def banned(imported: str, ban: str) -> bool:
    """``coach.library`` bans it and coach.library.*; ``coach.`` bans every coach module."""
    if ban.endswith("."):
        return imported.startswith(ban)
    return imported == ban or imported.startswith(ban + ".")


def violations(root: Path = ROOT) -> list[str]:
    """``module imports X (rule: ...)`` for every import that breaks a rule of FORBIDDEN."""
    broken = []
    for path in sorted((root / "coach").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for area, bans in FORBIDDEN.items():
            applies = name == area or (
                name.startswith(area + ".") and area not in CONTRACT - {"coach"}
            )
            if not applies:
                continue
            for imported in sorted(imports_of(path)):
                broken += [
                    f"{name} imports {imported} (rule: {area} never imports {ban})"
                    for ban in bans
                    if banned(imported, ban)
                ]
    return broken


def test_no_area_imports_what_its_rules_forbid():
    assert violations() == []


def test_a_broken_rule_is_reported(tmp_path):
    package = tmp_path / "coach" / "scoring"
    package.mkdir(parents=True)
    (package / "engine.py").write_text(
        "def score():\n    from coach.library.retrieve import Retriever\n"
    )
    assert violations(tmp_path) == [
        f"coach.scoring.engine imports {name} (rule: coach.scoring never imports coach.library)"
        for name in ("coach.library.retrieve", "coach.library.retrieve.Retriever")
    ]


def test_the_root_of_coach_holds_only_the_shared_contract_and_the_wiring():
    names = sorted(path.name for path in (ROOT / "coach").glob("*.py"))
    assert len(names) <= 8, names
    assert set(names) <= {
        "__init__.py",
        "__main__.py",
        "errors.py",
        "settings.py",
        "report.py",
        "services.py",
    }, names


@pytest.mark.parametrize(
    "path", sorted((ROOT / "ui").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_ui_module_is_streamlit_code(path):
    """ui/ holds pages and widgets only; code that runs without Streamlit belongs in coach/."""
    if path.name == "__init__.py":
        return
    assert "streamlit" in imports_of(path), (
        f"{path.relative_to(ROOT)} does not use Streamlit: move it to coach/"
    )
