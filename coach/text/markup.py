"""Show untrusted text (drafts, LLM answers) literally in Markdown renderers.

Kept apart from the LLM modules so that the app can use it without loading an LLM client.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown and HTML characters so the text shows literally, chunk by chunk."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
