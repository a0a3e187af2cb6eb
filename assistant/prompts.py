"""Prompt templates kept as text files in ``prompts/``, filled with strict placeholders."""

from __future__ import annotations

import re
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class PromptError(KeyError):
    """A template was filled with a missing or an unexpected variable."""


def placeholders(template: str) -> set[str]:
    """The ``{name}`` variables a template expects."""
    return set(_PLACEHOLDER.findall(template))


def render(template_name: str, directory: Path = PROMPTS_DIR, /, **values: str) -> str:
    """Load ``prompts/<name>.txt`` and fill it; any missing or unknown variable raises PromptError."""
    template = (directory / f"{template_name}.txt").read_text(encoding="utf-8")
    expected = placeholders(template)
    missing, unknown = expected - values.keys(), values.keys() - expected
    if missing or unknown:
        raise PromptError(f"prompt {template_name!r}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    # Substitute in one pass so braces inside the values are never read as placeholders.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template).strip()
