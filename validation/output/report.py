"""Markdown reports: sections of text with embedded figures and tables, written atomically."""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write_text


SHOWN_FIGURES = (".png", ".gif")
"""Figure files embedded as images (PDF copies are left out; a GIF shows as an animation)."""


@dataclass
class Section:
    """One report section: a heading, paragraphs of Markdown, figures (paths) and tables (Markdown)."""

    heading: str
    text: str = ""
    figures: list[Path] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def _cell(value, digits: int) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.{digits}e}"
        return f"{value:.{digits}g}"
    return str(value).replace("|", "\\|")


def markdown_table(rows: Sequence[dict], columns: Sequence[str] | None = None, digits: int = 4) -> str:
    """A Markdown table of dicts (or a pandas DataFrame's records); floats to ``digits`` significant digits."""
    if hasattr(rows, "to_dict"):
        rows = rows.to_dict("records")
    rows = list(rows)
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c, ""), digits) for c in columns) + " |")
    return "\n".join(lines)


def write_report(path: str | Path, title: str, sections: Sequence[Section], intro: str = "") -> Path:
    """Write ``path`` (Markdown) atomically; figure links are relative to the report's folder (PNG and GIF shown)."""
    path = Path(path)
    folder = path.parent
    out = [f"# {title}", ""]
    if intro:
        out += [intro, ""]
    for sec in sections:
        out += [f"## {sec.heading}", ""]
        if sec.text:
            out += [sec.text, ""]
        for fig in sec.figures:
            fig = Path(fig)
            if fig.suffix in SHOWN_FIGURES:
                rel = os.path.relpath(fig, folder)
                out += [f"![{fig.stem}]({rel})", ""]
        for table in sec.tables:
            out += [table, ""]
    return atomic_write_text(path, "\n".join(out))
