"""The one Jinja2 environment for reader-facing HTML (report blocks, the index page).

Words and markup live in ``reporting/templates/report/*.html.j2``; Python computes the
figures and sentences and hands them over as plain values. Every value is escaped
(``autoescape``); a missing variable is an error, not a blank (``StrictUndefined``).
Pass ``markupsafe.Markup`` only for HTML built safely (every value in it escaped), never
for user text such as titles or school names.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

#: The templates' folder inside the installed package (shipped as package data).
TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"


def escape(value: Any) -> Markup:
    """Every shown value, escaped as the standard library's ``html.escape`` does (as these
    pages always have: ``'`` as ``&#x27;``, ``"`` as ``&quot;``); HTML built safely
    (``Markup``: a table from the ``table`` macro, a caption block) is kept as it is.
    A missing value still fails (``str`` of a ``StrictUndefined`` raises)."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(html.escape(str(value)))


@cache
def environment() -> Environment:
    """The shared environment: autoescaped, strict, block tags trimmed."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        finalize=escape,
    )


def render(template: str, **context: Any) -> str:
    """``template`` (a file name under ``templates/report``) rendered with ``context``, without
    trailing newlines (a block's HTML ends at its last tag, as the report's blocks did)."""
    return environment().get_template(template).render(**context).rstrip("\n")


def template_names() -> list[str]:
    """Every reader-facing template (for tests and packaging checks)."""
    return sorted(p.name for p in TEMPLATES.glob("*.html.j2"))
