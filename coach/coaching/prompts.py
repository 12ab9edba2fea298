"""Prompt templates as versioned files in ``prompts/``, with their variables declared.

A template is data (``prompts/<id>.v<version>.yaml``), so a prompt change is a reviewable diff and
every LLM answer can record which prompt version produced it.

Every value put into a template is *data*, not instructions: ``&``, ``<`` and ``>`` are escaped,
and a variable declared with ``wrap: true`` (the default) is inserted between ``<name>`` and
``</name>`` tags. Because the value can no longer contain a ``<``, a draft saying ``</draft>``
cannot close its block, and the system prompt can tell the model that what lies between the tags
is text to read, never instructions to follow. Wrapped variables may appear only in the user
template: the system prompt holds our instructions and nothing else.

Placeholders are ``{name}`` (lower-case identifiers only); other braces are left alone, and
substitution is a single pass, so braces inside a value are never expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coach.errors import CoachError

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})

Role = Literal["system", "user", "assistant"]


class PromptError(CoachError):
    """A prompt template is invalid or was rendered with the wrong variables; names the template."""


def escape_data(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so untrusted text can't open or close a delimiter tag."""
    return text.translate(_ESCAPES)


class Variable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    wrap: bool = True  # insert between <name> and </name> tags


class PromptTemplate(BaseModel):
    """One prompt file: its identity, declared variables and the two message templates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    version: int = Field(ge=1)
    description: str
    max_tokens: int | None = Field(default=None, ge=1)
    variables: dict[str, Variable]
    system: str
    user: str

    @property
    def ref(self) -> str:
        """``id.vN``, the name recorded with every answer this template produced."""
        return f"{self.id}.v{self.version}"

    @model_validator(mode="after")
    def _placeholders_match_declarations(self) -> PromptTemplate:
        in_system = set(PLACEHOLDER.findall(self.system))
        used = in_system | set(PLACEHOLDER.findall(self.user))
        declared = set(self.variables)
        if undeclared := sorted(used - declared):
            raise ValueError(f"placeholders not declared in 'variables': {undeclared}")
        if unused := sorted(declared - used):
            raise ValueError(f"declared variables never used in system or user: {unused}")
        if in_system_data := sorted(n for n in in_system if self.variables[n].wrap):
            raise ValueError(
                f"data variables may appear only in the user template: {in_system_data}"
            )
        return self

    def render(self, **values: str) -> RenderedPrompt:
        """Fill every declared variable; a missing or undeclared one is an error naming us."""
        if missing := sorted(set(self.variables) - set(values)):
            raise PromptError(f"prompt {self.ref}: missing variables {missing}")
        if extra := sorted(set(values) - set(self.variables)):
            raise PromptError(f"prompt {self.ref}: undeclared variables {extra}")
        blocks = {name: self._block(name, values[name]) for name in self.variables}

        def fill(template: str) -> str:
            return PLACEHOLDER.sub(lambda m: blocks[m.group(1)], template).strip()

        return RenderedPrompt(
            template_id=self.id,
            version=self.version,
            system=fill(self.system),
            user=fill(self.user),
            max_tokens=self.max_tokens,
        )

    def _block(self, name: str, value: str) -> str:
        if not isinstance(value, str):
            raise PromptError(f"prompt {self.ref}: variable {name!r} must be text")
        text = escape_data(value)
        return f"<{name}>\n{text}\n</{name}>" if self.variables[name].wrap else text


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class RenderedPrompt:
    """A template filled in: the two messages plus what produced them."""

    template_id: str
    version: int
    system: str
    user: str
    max_tokens: int | None = None

    @property
    def ref(self) -> str:
        return f"{self.template_id}.v{self.version}"

    def messages(self, history: tuple[ChatMessage, ...] = ()) -> list[ChatMessage]:
        """System first, then earlier turns of the conversation, then this turn's user message."""
        return [ChatMessage("system", self.system), *history, ChatMessage("user", self.user)]


def load_template(path: Path) -> PromptTemplate:
    """Read and validate one template file; its name must be ``<id>.v<version>.yaml``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PromptError(f"prompt file {path.name}: cannot read: {exc}") from exc
    try:
        template = PromptTemplate.model_validate(data)
    except ValidationError as exc:
        raise PromptError(f"prompt file {path.name}: {_first_errors(exc)}") from exc
    if path.name != f"{template.ref}.yaml":
        raise PromptError(
            f"prompt file {path.name}: declares {template.ref}, so name it {template.ref}.yaml"
        )
    return template


class PromptLibrary:
    """All templates in a folder, looked up by id (latest version unless one is asked for)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise PromptError(f"no prompt templates (*.yaml) in {directory}")
        self._templates: dict[tuple[str, int], PromptTemplate] = {}
        for path in files:
            template = load_template(path)
            self._templates[(template.id, template.version)] = template

    def ids(self) -> list[str]:
        return sorted({template_id for template_id, _ in self._templates})

    def get(self, template_id: str, version: int | None = None) -> PromptTemplate:
        versions = sorted(v for i, v in self._templates if i == template_id)
        if not versions:
            raise PromptError(f"no prompt template {template_id!r} in {self.directory}")
        chosen = versions[-1] if version is None else version
        if chosen not in versions:
            raise PromptError(f"prompt {template_id!r} has no version {version} (has {versions})")
        return self._templates[(template_id, chosen)]


def _first_errors(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(p) for p in error["loc"]) or "template"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
