"""Sphinx helpers of the fokker-balance documentation.

- ``api-all`` directive: documents every name of a package's ``__all__`` (classes with their
  public members, functions, constants and exported modules), so the API reference follows the
  packages without a hand-kept list;
- docstrings are written as plain text (``|x|``, ``x*``, indented continuation lines):
  inline characters that reStructuredText would read as markup are escaped and blank lines are
  put where the indentation changes, so that every docstring renders without warnings;
- a plain paragraph after the fields of a ``Parameters`` section, at the section's own
  indentation (e.g. "Returns a LogSolution with ..."), is moved before the first section, where
  it reads as part of the description (napoleon would otherwise take it for one more field);
- ``Parameters`` sections written as ``name : description`` (the project's docstring style, one
  description instead of a type) are rewritten as ``name`` + indented description before napoleon
  reads them, so the description is not shown as a type;
- the generated benchmark tables of ``benchmarks/results/`` are copied into ``docs/_generated/``
  (headings shifted under the including section), or replaced by a placeholder that says how to
  produce them.
"""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from public_api import attribute_docstring, public_names

RESULTS = {  # file in benchmarks/results -> (title of its placeholder, command that writes it)
    "accuracy.md": ("Accuracy of the Fokker–Planck solvers", "python benchmarks/accuracy.py"),
    "particles.md": ("Particle throughput", "python benchmarks/bench_particles.py"),
    "solvers.md": ("Solvers: native against FiPy", "make bench"),
    "cost_guards.md": ("Cost guards: refusals before any work", "python benchmarks/cost_guards.py"),
}
SECTION_HEADERS = re.compile(r"^\s*(Parameters|Other Parameters|Attributes|Keyword Arguments|Fields)\s*$")
FIELD = re.compile(r"^(?P<indent>\s*)(?P<name>\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*\*{0,2}[A-Za-z_][\w]*)*)\s?:\s+(?P<text>\S.*)$")
SIMPLE_TYPE = re.compile(r"^[\w\[\]., |()'\"-]+$")


def _looks_like_type(text: str) -> bool:
    """True for numpy-style type strings ("float", "int, optional", "array (n,)"), not prose."""
    return len(text.split()) <= 3 and not text.endswith(".") and bool(SIMPLE_TYPE.match(text))


INLINE_KEEP = re.compile(r"(``.+?``|:[\w:.-]+:`[^`]+`|`[^`]+`_{0,2}|\*\*[^\s*][^*]*?(?<!\s)\*\*(?![\w*])"
                         r"|(?<![\w*\\])\*[^\s*][^*]*?(?<![\s\\])\*(?![\w*]))")


def escape_inline(text: str) -> str:
    """Escape ``|`` and unpaired ``*`` outside literals, roles and emphasis."""
    parts = INLINE_KEEP.split(text)
    for i in range(0, len(parts), 2):        # even indices: plain text between kept spans
        parts[i] = parts[i].replace("|", "\\|").replace("*", "\\*")
    return "".join(parts)


def _is_section_header(lines: list[str], i: int) -> bool:
    return i + 1 < len(lines) and bool(lines[i].strip()) and set(lines[i + 1].strip()) == {"-"} \
        and len(lines[i + 1].strip()) >= 3


def plain_text_to_rst(app, what, name, obj, options, lines: list[str]) -> None:
    """Make a plain-text docstring valid reStructuredText (see the module docstring).

    Outside numpy sections a blank line is inserted wherever the indentation changes (indented
    continuation lines become a quoted block, a dedent ends it); inside sections napoleon reads
    the indentation. Literal blocks (after ``::``), directives and doctests are left alone.
    """
    out: list[str] = []
    in_section = False
    literal_indent: int | None = None
    previous_indent: int | None = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            out.append(line)
            previous_indent = None
            continue
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if indent > literal_indent:
                out.append(line)
                continue
            literal_indent = None
        if _is_section_header(lines, i):
            in_section = True
        elif set(stripped) == {"-"} and in_section:
            out.append(line)
            continue
        if stripped.startswith((".. ", ">>>")) or stripped.endswith("::"):
            literal_indent = indent
            out.append(line)
            previous_indent = indent
            continue
        if stripped.startswith(("* ", "- ")) and not in_section and previous_indent is not None \
                and indent == previous_indent and not out[-1].lstrip().startswith(("* ", "- ")):
            out.append("")                    # a list must follow a blank line
        if not in_section and previous_indent is not None and indent != previous_indent \
                and not (out[-1].lstrip().startswith(("* ", "- ")) and indent > previous_indent):
            out.append("")
        field = FIELD.match(line) if in_section else None
        if field:
            out.append(f"{field['indent']}{field['name']} : {escape_inline(field['text'])}")
        else:
            out.append(line[:indent] + escape_inline(stripped))
        previous_indent = indent
    lines[:] = out


def move_trailing_paragraphs(app, what, name, obj, options, lines: list[str]) -> None:
    """Move paragraphs that follow the fields of a Parameters-like section, at its indentation,
    in front of the first section header (see the module docstring)."""
    headers = [i for i in range(len(lines)) if _is_section_header(lines, i)]
    if not headers:
        return
    moved: list[list[str]] = []
    keep = list(range(len(lines)))
    for k, start in enumerate(headers):
        if not SECTION_HEADERS.match(lines[start]):
            continue
        base = len(lines[start]) - len(lines[start].lstrip())
        end = headers[k + 1] if k + 1 < len(headers) else len(lines)
        i = start + 2
        while i < end:
            line = lines[i]
            if line.strip() and not lines[i - 1].strip() and len(line) - len(line.lstrip()) == base \
                    and not FIELD.match(line):
                j = i
                while j < end and lines[j].strip():
                    j += 1
                moved.append(lines[i:j] + [""])
                keep = [n for n in keep if not i <= n < j]
                i = j
            else:
                i += 1
    if not moved:
        return
    first = headers[0]
    out = [lines[n] for n in keep if n < first]
    if out and out[-1].strip():
        out.append("")
    for paragraph in moved:
        out += paragraph
    out += [lines[n] for n in keep if n >= first]
    lines[:] = out


def split_description_fields(app, what, name, obj, options, lines: list[str]) -> None:
    """Rewrite ``name : description`` lines of Parameters-like sections as name + indented text."""
    in_section = False
    out: list[str] = []
    for i, line in enumerate(lines):
        if SECTION_HEADERS.match(line) and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
            in_section = True
            out.append(line)
            continue
        if in_section:
            if not line.strip():
                out.append(line)
                continue
            if set(line.strip()) == {"-"}:
                out.append(line)
                continue
            if re.match(r"^\s*[A-Z][\w ]+$", line) and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}:
                in_section = False  # the next section starts
                out.append(line)
                continue
            match = FIELD.match(line)
            if match and not _looks_like_type(match["text"]) and len(match["indent"]) == _base_indent(lines, i):
                out.append(f"{match['indent']}{match['name']}")
                out.append(f"{match['indent']}    {match['text']}")
                continue
        out.append(line)
    lines[:] = out


def _base_indent(lines: list[str], i: int) -> int:
    """Indentation of the section header that governs line i."""
    for j in range(i, -1, -1):
        if SECTION_HEADERS.match(lines[j]):
            return len(lines[j]) - len(lines[j].lstrip())
    return 0


class ApiAll(SphinxDirective):
    """``.. api-all:: package`` -- autodoc entries for every name of ``package.__all__``."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        package = self.arguments[0]
        module = importlib.import_module(package)
        rst: list[str] = []
        if not hasattr(module, "__all__"):
            raise self.error(f"{package} has no __all__")
        names = list(module.__all__)
        rst += summary_table(package, module)
        for name in names:
            obj = getattr(module, name)
            target = f"{package}.{name}"
            if inspect.ismodule(obj):
                rst += [f".. rubric:: Module ``{obj.__name__}``", "", f".. automodule:: {obj.__name__}",
                        "   :members:", ""]
            elif inspect.isclass(obj):
                rst += [f".. autoclass:: {target}", "   :members:", ""]
            elif callable(obj):
                rst += [f".. autofunction:: {target}", ""]
            else:
                doc = attribute_docstring(package, name) or ""
                body = doc.splitlines()
                plain_text_to_rst(None, "data", target, obj, {}, body)
                rst += [f".. py:data:: {target}", f"   :value: {obj!r}", ""] + [f"   {b}" for b in body] + [""]
        content = StringList(rst, source=f"<api-all {package}>")
        node = nodes.container()
        self.state.nested_parse(content, self.content_offset, node)
        return node.children


def first_sentence(doc: str | None) -> str:
    """The docstring's first line, as escaped reStructuredText (empty without a docstring)."""
    if not doc:
        return ""
    lines = doc.strip().splitlines()[:1]
    plain_text_to_rst(None, "", "", None, {}, lines)
    return lines[0].strip()


def summary_table(package: str, module) -> list[str]:
    """A two-column list-table: each name of ``__all__`` (linked) and its first docstring line."""
    by_name = {p.qualname: p for p in public_names(package)}
    rst = [".. list-table::", "   :class: api-summary", "   :widths: 35 65", ""]
    for name in module.__all__:
        entry = by_name[f"{package}.{name}"]
        rst += [f"   * - :py:obj:`{package}.{name}`", f"     - {first_sentence(entry.docstring)}"]
    return rst + [""]


def copy_results(app) -> None:
    """Copy benchmarks/results/*.md into docs/_generated/ (headings start at level 3), or a placeholder."""
    docs = Path(app.srcdir)
    source = docs.parent / "benchmarks" / "results"
    target = docs / "_generated"
    target.mkdir(exist_ok=True)
    for name, (title, command) in RESULTS.items():
        path = source / name
        if path.is_file():
            text = shift_headings(path.read_text(encoding="utf-8"), first_level=3)
        else:
            text = (f"### {title}\n\n```{{note}}\nThis table has not been generated yet: run `{command}` "
                    f"to write `benchmarks/results/{name}`, then `make docs` again.\n```\n")
        out = target / name
        if not out.is_file() or out.read_text(encoding="utf-8") != text:
            out.write_text(text, encoding="utf-8")


def shift_headings(text: str, first_level: int) -> str:
    """Shift Markdown ATX headings so that the highest one has level ``first_level``."""
    lines = text.splitlines()
    fence = False
    levels = []
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"^#{1,6} ", line):
            levels.append(len(line.split(" ", 1)[0]))
    if not levels:
        return text
    shift = first_level - min(levels)
    out, fence = [], False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"^#{1,6} ", line):
            hashes, rest = line.split(" ", 1)
            line = "#" * min(6, len(hashes) + shift) + " " + rest
        out.append(line)
    return "\n".join(out) + "\n"


def setup(app):
    app.add_directive("api-all", ApiAll)
    app.connect("autodoc-process-docstring", move_trailing_paragraphs, priority=250)
    app.connect("autodoc-process-docstring", plain_text_to_rst, priority=300)
    app.connect("autodoc-process-docstring", split_description_fields, priority=400)
    app.connect("builder-inited", copy_results)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
