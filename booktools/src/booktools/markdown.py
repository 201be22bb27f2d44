"""MyST, the book's Markdown, turned into plain Jupyter Markdown.

The chapters are written in MyST: roles such as ``{glue:text}`name:.3f``` or ``{prf:ref}`thm-power-rule```,
and directives in fences such as ````` ```{exercise} Title `````. The website (Jupyter Book) understands
them; JupyterLab, Colab and VS Code do not, and show them as raw text. This module rewrites one markdown
cell, or every markdown cell of a notebook, as CommonMark/GFM with dollar math, which those front ends
render (math with MathJax or KaTeX):

==================================================  ===============================================
MyST                                                plain Markdown
==================================================  ===============================================
``{glue:text}`key:.3f```                            the glued value, formatted as myst-nb does
``{py:func}`calclib.api.grad```                     ``[`calclib.api.grad()`](<site>/book/api.html#calclib.api.grad)``
``{prf:ref}`label```, ``{ref}``, ``{numref}``       a link to the target on the website (``#label`` on
                                                    the same page), with the website's text and number
``{doc}`text <page>```                              a link to the page on the website
``{cite}`key```, ``{cite:p}``, ``{cite:t}``         [Author, year] or Author [year], linked to the
                                                    References page (``references.bib``)
``(label)=`` before a heading                       ``<a id="label"></a>`` in the heading
``{prf:theorem} Title`` (definition, ...)           ``**Theorem 1.2 (Title).** body``
``{prf:proof}``                                     ``*Proof.* body ∎``
``{exercise} Title``                                ``#### Exercise 3.2: Title`` and the body
``{solution}``, ``{solution-start}``/``-end``       dropped, or ``**Solution.**`` and the body
``{note}``, ``{tip}``, ``{warning}``, ...           a block quote headed ``**Note.**``
==================================================  ===============================================

Numbers are those of the website: Jupyter Book numbers the chapters of the ``numbered`` parts of
``_toc.yml`` consecutively (``use_multitoc_numbering``), and Sphinx numbers exercises, theorems, definitions
and figures per chapter and per kind (``numfig`` with ``numfig_secnum_depth = 1``): *Exercise 3.2* is the
second exercise of chapter 3. :func:`book_index` collects the labels, titles and numbers of the whole book
once; :func:`to_plain_markdown` converts one cell with it.

Math (``$...$``, ``$$...$$``, amsmath environments), inline code and code fences are copied verbatim.
Anything the converter does not know (a role, a directive, a label, a glue key) raises :class:`ValueError`
naming the page: no raw MyST is ever left in the output (:func:`leftover_myst` finds any).

Examples
--------
>>> index = book_index(Path("."))                                                # doctest: +SKIP
>>> to_plain_markdown("See {prf:ref}`thm-power-rule`.", page="book/derivatives",
...                   index=index, glue={})                                      # doctest: +SKIP
'See [Theorem 1.1 (Power rule)](#thm-power-rule).'
"""

from __future__ import annotations

import ast
import copy
import functools
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import nbformat
import yaml

__all__ = [
    "BookIndex",
    "Target",
    "book_index",
    "format_glue_text",
    "glue_values",
    "leftover_myst",
    "plain_notebook_markdown",
    "to_plain_markdown",
]

# sphinx-proof's directives that are numbered like theorems (each kind has its own counter).
THEOREM_KINDS = (
    "axiom", "theorem", "lemma", "algorithm", "definition", "remark", "conjecture", "corollary",
    "criterion", "example", "property", "observation", "proposition", "assumption", "notation",
)
ADMONITION_TITLES = {
    "note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "warning": "Warning",
    "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
    "seealso": "See also",
}
PY_ROLES = ("func", "meth", "class", "mod", "data", "attr", "exc", "obj", "const")
NUMFIG_FORMAT = {"figure": "Fig. {}", "table": "Table {}", "code-block": "Listing {}"}
API_PAGE_DEFAULT = "book/api"

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
_DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[^{}\s]+)\}[ \t]*(?P<argument>.*)$")
_OPTION_LINE = re.compile(r"^[ \t]*:(?P<key>[\w-]+):(?:[ \t]+(?P<value>.*))?$")
_TARGET_LINE = re.compile(r"^[ \t]*\((?P<label>[^()\s]+)\)=[ \t]*$")
_HEADING_LINE = re.compile(r"^(?P<indent> {0,3})(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*#*[ \t]*$")
_ROLE = re.compile(r"\{(?P<name>[A-Za-z0-9_+\-:.]+)\}(?P<ticks>`+)(?P<content>.*?)(?<!`)(?P=ticks)(?!`)", re.S)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_EXPLICIT_TITLE = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_NUMPY_SCALAR = re.compile(r"^\s*(?:np|numpy)\.[a-z_]+\d*\((?P<inner>.*)\)\s*$", re.S)
_NUMPY_BOOL = re.compile(r"^\s*(?:np|numpy)\.(?P<value>True|False)_\s*$")
_GITHUB_REPO = re.compile(r"^https?://github\.com/(?P<owner>[^/\s]+)/(?P<repo>[^/\s]+?)(?:\.git)?/?$")


# =====================================================================================================
# Blocks: text, code fences and directives
# =====================================================================================================
@dataclass
class Code:
    """A code fence (or anything else copied verbatim): its lines, fences included."""

    lines: list[str]


@dataclass
class Directive:
    """A MyST directive: ```` ```{name} argument ```` or ``:::{name} argument``, options and body."""

    name: str
    argument: str
    options: dict[str, str]
    body: str
    indent: str = ""


@dataclass
class Text:
    """Lines of ordinary Markdown between fences."""

    lines: list[str]


Block = Code | Directive | Text


def _is_fence_opening(match: re.Match) -> bool:
    """Whether a line that starts like a fence opens one (CommonMark, with MyST's colon fences)."""
    fence, info = match["fence"], match["info"]
    if fence[0] == "`":
        return "`" not in info
    if fence[0] == ":":
        return info.lstrip().startswith("{")  # colon fences are only directives
    return True


def _closing_line(lines: list[str], start: int, fence: str) -> int:
    """Index of the line closing ``fence`` (same character, at least as long), or ``len(lines)``."""
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for i in range(start, len(lines)):
        if closing.match(lines[i]):
            return i
    return len(lines)


def _dedent(line: str, width: int) -> str:
    """``line`` without up to ``width`` leading spaces."""
    stripped = line.lstrip(" ")
    return line[min(width, len(line) - len(stripped)):]


def _split_options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """A directive's options (``:key: value`` lines or a ``---`` YAML block) and the rest of its body."""
    options: dict[str, str] = {}
    if body and body[0].strip() == "---":
        end = next((i for i in range(1, len(body)) if body[i].strip() == "---"), None)
        if end is not None:
            loaded = yaml.safe_load("\n".join(body[1:end])) or {}
            options = {str(k): "" if v is None else str(v) for k, v in loaded.items()}
            body = body[end + 1:]
    else:
        while body and (match := _OPTION_LINE.match(body[0])):
            options[match["key"]] = (match["value"] or "").strip()
            body = body[1:]
    while body and not body[0].strip():
        body = body[1:]
    return options, body


def split_blocks(source: str) -> list[Block]:
    """Split Markdown into text, code fences and directives (the top level only; bodies stay raw).

    A fence closes at the first line of the same character at least as long (as in CommonMark), so a
    directive nested in another needs a longer outer fence, as MyST requires; a fence left open runs to
    the end of the text.
    """
    lines = source.split("\n")
    blocks: list[Block] = []
    text: list[str] = []
    i = 0
    while i < len(lines):
        match = _FENCE_OPEN.match(lines[i])
        if not (match and _is_fence_opening(match)):
            text.append(lines[i])
            i += 1
            continue
        if text:
            blocks.append(Text(text))
            text = []
        close = _closing_line(lines, i + 1, match["fence"])
        directive = _DIRECTIVE_INFO.match(match["info"].strip())
        if directive:
            indent = match["indent"]
            body = [_dedent(line, len(indent)) for line in lines[i + 1:close]]
            options, body = _split_options(body)
            blocks.append(Directive(directive["name"], directive["argument"].strip(), options,
                                    "\n".join(body), indent))
        else:
            blocks.append(Code(lines[i:close + 1]))
        i = close + 1
    if text:
        blocks.append(Text(text))
    return blocks


# =====================================================================================================
# Inline tokens: roles, code spans, math, text
# =====================================================================================================
def _is_escaped(text: str, pos: int) -> bool:
    """Whether ``text[pos]`` follows an odd number of backslashes."""
    count = 0
    while pos - count - 1 >= 0 and text[pos - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _code_span_end(text: str, start: int) -> int | None:
    """End of the code span opened by the backtick run at ``start`` (None: the run is literal)."""
    ticks = len(re.match(r"`+", text[start:])[0])
    closing = re.compile(rf"(?<!`)`{{{ticks}}}(?!`)").search(text, start + ticks)
    if closing is None or _BLANK_LINE.search(text, start, closing.start()):
        return None
    return closing.end()


def _math_end(text: str, start: int) -> int | None:
    """End of the dollar math opened at ``start`` (None: a literal dollar), as MyST's dollarmath reads it.

    ``$$...$$`` may span blank lines; ``$...$`` may contain spaces and digits (the book's settings) but not a
    blank line.
    """
    if _is_escaped(text, start):
        return None
    delimiter = "$$" if text.startswith("$$", start) else "$"
    pos = start + len(delimiter)
    while (pos := text.find(delimiter, pos)) != -1:
        if not _is_escaped(text, pos):
            break
        pos += 1
    if pos == -1 or pos == start + len(delimiter):
        return None
    if delimiter == "$" and _BLANK_LINE.search(text, start, pos):
        return None
    return pos + len(delimiter)


def inline_tokens(text: str) -> list[tuple[str, str]]:
    """``text`` as (kind, text) pieces, kind one of ``"text"``, ``"role"``, ``"code"`` and ``"math"``.

    Joining the pieces gives ``text`` back. Code spans and math come first, so nothing inside them is read
    as a role; a backslash escapes the next character.
    """
    tokens: list[tuple[str, str]] = []
    plain: list[str] = []

    def emit(kind: str, piece: str) -> None:
        if plain:
            tokens.append(("text", "".join(plain)))
            plain.clear()
        tokens.append((kind, piece))

    i = 0
    while i < len(text):
        char = text[i]
        end = None
        if char == "\\":
            plain.append(text[i:i + 2])
            i += 2
            continue
        if char == "{" and (role := _ROLE.match(text, i)):
            emit("role", role[0])
            i = role.end()
            continue
        if char == "`":
            end = _code_span_end(text, i)
            if end is None:
                run = len(re.match(r"`+", text[i:])[0])
                plain.append(text[i:i + run])
                i += run
                continue
            emit("code", text[i:end])
        elif char == "$" and (end := _math_end(text, i)) is not None:
            emit("math", text[i:end])
        else:
            plain.append(char)
            i += 1
            continue
        i = end
    if plain:
        tokens.append(("text", "".join(plain)))
    return tokens


def _math_on_one_line(text: str) -> str:
    """``text`` with every math span on a single line.

    Inside a block quote each line starts with ``> ``; JupyterLab and Colab take the math out of the raw
    text before reading the Markdown, so a ``>`` inside a multi-line span would be typeset as math.
    """
    return "".join(" ".join(line.strip() for line in piece.split("\n")) if kind == "math" else piece
                   for kind, piece in inline_tokens(text))


# =====================================================================================================
# The book: pages, labels, numbers
# =====================================================================================================
@dataclass(frozen=True)
class Target:
    """Something a reference can point at.

    Attributes
    ----------
    docname : str
        The page it is on, e.g. ``"book/derivatives"``.
    kind : str
        ``"section"``, ``"exercise"``, ``"solution"``, ``"figure"``, ``"proof"`` or a theorem-like kind
        (``"definition"``, ``"theorem"``, ``"proposition"``, ``"algorithm"``, ...).
    title : str
        The directive's argument, the heading's text, or the figure's caption (MyST Markdown).
    number : str or None
        Its number on the website (``"3.2"``), None when unnumbered.
    in_markdown : bool
        Whether the converted Markdown carries its anchor (not so for a figure made by a code cell: a link
        to it goes to the website, even from its own page).
    """

    docname: str
    kind: str
    title: str
    number: str | None = None
    in_markdown: bool = True


@dataclass
class BookIndex:
    """What the conversion needs to know about the whole book.

    Attributes
    ----------
    root : Path
        The book's folder (with ``_toc.yml`` and ``_config.yml``).
    site_url : str
        The published website, ending in ``/``.
    pages : list of str
        Every page of ``_toc.yml`` (docnames, in order, the root first).
    titles : dict
        docname -> the page's first heading.
    chapters : dict
        docname -> chapter number, for the pages of the numbered parts.
    labels : dict
        label -> :class:`Target`.
    block_numbers : dict
        (docname, directive name, argument, body) -> number, for every numbered directive, labelled or not.
    api_page : str
        The page with the API reference (autodoc).
    citations : dict
        bibtex key -> (authors as cited, year), from ``references.bib`` (:func:`read_bibliography`).
    references_page : str or None
        The page with the ``{bibliography}`` directive.
    """

    root: Path
    site_url: str
    pages: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    chapters: dict[str, int] = field(default_factory=dict)
    labels: dict[str, Target] = field(default_factory=dict)
    block_numbers: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    api_page: str = API_PAGE_DEFAULT
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)
    references_page: str | None = None

    def page_url(self, docname: str) -> str:
        """The address of a page on the website."""
        return f"{self.site_url}{docname}.html"


def site_url(config: Mapping[str, Any]) -> str:
    """The website's address from ``_config.yml``: ``html.baseurl``, else GitHub Pages of the repository.

    Raises
    ------
    ValueError
        If neither ``html.baseurl`` nor a GitHub ``repository.url`` is set.
    """
    baseurl = ((config.get("html") or {}).get("baseurl") or "").strip()
    if baseurl:
        return baseurl.rstrip("/") + "/"
    repository = ((config.get("repository") or {}).get("url") or "").strip()
    match = _GITHUB_REPO.match(repository)
    if not match:
        raise ValueError(f"_config.yml: no html.baseurl and no GitHub repository.url ({repository!r})")
    owner, repo = match["owner"].lower(), match["repo"]
    if repo.lower() == f"{owner}.github.io":
        return f"https://{owner}.github.io/"
    return f"https://{owner}.github.io/{repo}/"


def _toc_entries(entries: Iterable[Mapping[str, Any]]) -> Iterator[tuple[str, bool]]:
    """(docname, is a chapter) for the entries of a toc and, recursively, their sections."""
    for entry in entries or []:
        if "file" in entry:
            yield _docname(entry["file"]), True
        for sub in entry.get("sections", []) or []:
            for docname, _ in _toc_entries([sub]):
                yield docname, False


def _docname(path: str) -> str:
    """A toc path without its suffix, ``book/derivatives.ipynb`` -> ``book/derivatives``."""
    path = str(path).strip().lstrip("/")
    for suffix in (".ipynb", ".md", ".rst"):
        if path.endswith(suffix):
            return path[: -len(suffix)]
    return path


def toc_pages(toc: Mapping[str, Any], multitoc_numbering: bool = True) -> tuple[list[str], dict[str, int]]:
    """The pages of ``_toc.yml`` in order, and the chapter numbers of the numbered parts.

    With ``multitoc_numbering`` (Jupyter Book's ``html.use_multitoc_numbering``, on by default) the numbered
    parts share one sequence; without it each part starts again at 1.
    """
    pages, chapters, number = [_docname(toc["root"])], {}, 0
    default_numbered = bool((toc.get("defaults") or {}).get("numbered", False))
    parts = toc.get("parts") or [{"chapters": toc.get("chapters", [])}]
    for part in parts:
        if not multitoc_numbering:
            number = 0
        numbered = bool(part.get("numbered", default_numbered))
        for docname, is_chapter in _toc_entries(part.get("chapters", [])):
            pages.append(docname)
            if numbered and is_chapter:
                number += 1
                chapters[docname] = number
    return pages, chapters


def _page_file(root: Path, docname: str) -> Path:
    for suffix in (".ipynb", ".md"):
        if (path := root / f"{docname}{suffix}").exists():
            return path
    raise ValueError(f"_toc.yml lists {docname!r}, but neither {docname}.ipynb nor {docname}.md exists")


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            return text[text.find("\n", end + 1) + 1:] if "\n" in text[end + 1:] else ""
    return text


def page_cells(path: Path) -> list[dict]:
    """The cells of a page: a notebook's, or a Markdown page as one markdown cell."""
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [dict(cell) for cell in nb.cells]
    return [{"cell_type": "markdown", "source": _strip_front_matter(path.read_text(encoding="utf8")),
             "metadata": {}}]


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


class _PageScanner:
    """Collects the labels, titles and numbers of one page into a :class:`BookIndex`."""

    def __init__(self, index: BookIndex, docname: str) -> None:
        self.index, self.docname = index, docname
        self.chapter = index.chapters.get(docname)
        self.counters: dict[str, int] = {}

    def next_number(self, countertype: str) -> str:
        self.counters[countertype] = self.counters.get(countertype, 0) + 1
        count = self.counters[countertype]
        return f"{self.chapter}.{count}" if self.chapter else str(count)

    def add_label(self, label: str, target: Target) -> None:
        other = self.index.labels.get(label)
        if other is not None and other != target:
            raise ValueError(f"{self.docname}: label {label!r} is defined twice (also in {other.docname})")
        self.index.labels[label] = target

    def scan_cell(self, cell: Mapping[str, Any]) -> None:
        if cell.get("cell_type") == "markdown":
            self.scan_markdown(_source(cell))
        elif cell.get("cell_type") == "code":
            self.scan_code_figure(cell.get("metadata") or {})

    def scan_code_figure(self, metadata: Mapping[str, Any]) -> None:
        """A figure made by a code cell (myst-nb's ``mystnb.figure`` metadata: name and caption)."""
        figure = (metadata.get("mystnb") or metadata.get("myst") or {}).get("figure") or {}
        caption = str(figure.get("caption") or "")
        number = self.next_number("figure") if caption else None
        if figure.get("name"):
            self.add_label(str(figure["name"]), Target(self.docname, "figure", caption, number, in_markdown=False))

    def scan_markdown(self, text: str) -> None:
        for block in split_blocks(text):
            if isinstance(block, Text):
                self.scan_text(block.lines)
            elif isinstance(block, Directive):
                self.scan_directive(block)

    def scan_text(self, lines: list[str]) -> None:
        pending: list[str] = []
        for line in lines:
            if target := _TARGET_LINE.match(line):
                pending.append(target["label"])
            elif heading := _HEADING_LINE.match(line):
                title = (heading["text"] or "").strip()
                if len(heading["hashes"]) == 1:
                    self.index.titles.setdefault(self.docname, title)
                for label in pending:
                    self.add_label(label, Target(self.docname, "section", title))
                pending = []
            elif line.strip() and pending:
                for label in pending:
                    self.add_label(label, Target(self.docname, "section", label))
                pending = []

    def scan_directive(self, block: Directive) -> None:
        kind, number = _directive_kind(block.name), None
        if kind is None:
            return
        numbered = "nonumber" not in block.options
        if kind == "exercise" and numbered:
            number = self.next_number("exercise")
        elif kind in THEOREM_KINDS and numbered and block.argument:
            number = self.next_number(kind)  # Sphinx does not number an enumerable node without a title
        elif kind == "figure" and block.body.strip():
            number = self.next_number("figure")
        if number is not None:
            self.index.block_numbers[(self.docname, block.name, block.argument, block.body)] = number
        label = block.options.get("label") or block.options.get("name")
        if label:
            title = block.body.strip() if kind == "figure" else block.argument
            self.add_label(label, Target(self.docname, kind, title, number))
        if kind not in ("figure", "math", "code"):
            self.scan_markdown(block.body)


def _directive_kind(name: str) -> str | None:
    """The kind of target a directive defines (None: it defines none)."""
    if name.startswith("prf:"):
        kind = name[4:]
        return kind if kind in THEOREM_KINDS or kind == "proof" else None
    if name in ("exercise", "solution"):
        return name
    if name in ("figure", "glue:figure"):
        return "figure"
    if name == "math":
        return "math"
    if name in ("code-block", "code", "sourcecode", "eval-rst"):
        return "code"
    return "admonition" if name in ADMONITION_TITLES or name == "admonition" else None


def book_index(root: Path) -> BookIndex:
    """Scan every page of ``root/_toc.yml``: labels, titles, chapter numbers, numbers of the numbered blocks.

    Parameters
    ----------
    root : Path
        The book's folder, with ``_toc.yml`` and ``_config.yml``.

    Raises
    ------
    ValueError
        If a page listed in the toc is missing, or a label is defined twice.
    """
    root = Path(root)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf8")) or {}
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf8")) or {}
    multitoc = bool((config.get("html") or {}).get("use_multitoc_numbering", True))
    pages, chapters = toc_pages(toc, multitoc)
    index = BookIndex(root=root, site_url=site_url(config), pages=pages, chapters=chapters)
    bibfile = root / "references.bib"
    if bibfile.exists():
        index.citations = read_bibliography(bibfile.read_text("utf8"))
    for docname in pages:
        path = _page_file(root, docname)
        text = path.read_text("utf8") if path.suffix == ".md" else ""
        if re.search(r"^\.\. auto(module|function|class)::", text, re.M):
            index.api_page = docname
        if "{bibliography}" in text:
            index.references_page = docname
        scanner = _PageScanner(index, docname)
        for cell in page_cells(path):
            scanner.scan_cell(cell)
        index.titles.setdefault(docname, docname.rsplit("/", 1)[-1])
    return index


# =====================================================================================================
# Citations
# =====================================================================================================
_BIB_ENTRY = re.compile(r"@(?P<type>\w+)\s*\{\s*(?P<key>[^,\s]+)\s*,(?P<body>.*?)\n\}", re.S)
_BIB_FIELD = re.compile(r"(?P<name>\w+)\s*=\s*\{(?P<value>(?:[^{}]|\{[^{}]*\})*)\}", re.S)


def _family_name(author: str) -> str:
    """The name a citation shows: ``Baydin, Atılım Güneş`` -> ``Baydin``; ``{The JAX authors}`` as is."""
    author = author.strip()
    if author.startswith("{") and author.endswith("}"):
        return author[1:-1]
    return author.split(",")[0].strip() if "," in author else author.split()[-1]


def read_bibliography(text: str) -> dict[str, tuple[str, str]]:
    r"""Each entry of a ``.bib`` file as ``key -> (authors as cited, year)``, the way the website's
    author-year citations read: one author, ``A and B``, or ``A et al.`` for three or more.

    >>> read_bibliography("@book{gw,\n  author = {Griewank, Andreas and Walther, Andrea},\n  year = {2008}\n}")
    {'gw': ('Griewank and Walther', '2008')}
    """
    entries = {}
    for entry in _BIB_ENTRY.finditer(text):
        fields = {m["name"].lower(): m["value"] for m in _BIB_FIELD.finditer(entry["body"])}
        names = [_family_name(a) for a in re.split(r"\s+and\s+", fields.get("author", "Anonymous"))]
        names = [n for n in names if n != "others"] or ["Anonymous"]
        shown = names[0] if len(names) == 1 else " and ".join(names) if len(names) == 2 else f"{names[0]} et al."
        if "others" in fields.get("author", "") and len(names) < 3:
            shown = f"{names[0]} et al."
        entries[entry["key"]] = (shown.replace("{", "").replace("}", ""), fields.get("year", "n.d."))
    return entries


def _cite(role: str, content: str, ctx: _Context) -> tuple[str, str | None]:
    """``{cite}`` / ``{cite:p}`` -> ``[A, 2018; B, 2020]``; ``{cite:t}`` -> ``A [2018]`` (sphinxcontrib-bibtex's
    author-year style, as on the website); with the address of the References page."""
    parts = []
    for key in (k.strip() for k in content.split(",")):
        if key not in ctx.index.citations:
            raise ctx.error(f"unknown citation key {key!r} in {{{role}}}: add it to references.bib")
        authors, year = ctx.index.citations[key]
        parts.append(f"{authors} [{year}]" if role == "cite:t" else f"{authors}, {year}")
    text = "; ".join(parts) if role == "cite:t" else f"[{'; '.join(parts)}]"   # as the website prints them
    url = _url(ctx.index.references_page, None, ctx) if ctx.index.references_page else None
    return text, url


# =====================================================================================================
# Glue
# =====================================================================================================
def glue_values(executed_nb: Mapping[str, Any]) -> dict[str, dict]:
    """The values glued by an executed notebook: name -> mime bundle (``text/plain``, ...).

    myst-nb's ``glue(name, value, display=False)`` writes a ``display_data`` output whose metadata holds
    ``{"scrapbook": {"name": name, "mime_prefix": "application/papermill.record/"}}`` and whose mime types
    carry that prefix (no prefix when ``display=True``). As in myst-nb, a later value of a name wins.
    """
    values: dict[str, dict] = {}
    for cell in executed_nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            scrapbook = (output.get("metadata") or {}).get("scrapbook")
            if not scrapbook:
                continue
            prefix = scrapbook.get("mime_prefix", "") or ""
            values[scrapbook["name"]] = {
                (mime[len(prefix):] if mime.startswith(prefix) else mime): _joined(data)
                for mime, data in (output.get("data") or {}).items()
            }
    return values


def _joined(data: Any) -> Any:
    """A notebook's multi-line string (a list of lines) as one string; anything else unchanged."""
    return "".join(data) if isinstance(data, list) else data


def format_glue_text(plain: str, fmt_spec: str = "s") -> str:
    """A glued ``text/plain`` value as ``{glue:text}`` shows it (myst-nb's ``format_plain_text``).

    The text is read back as a Python literal when it is one (a number, a quoted string), then formatted
    with ``format_spec``: its last character decides the type (``d``, ``x``, ... -> int; ``f``, ``e``, ``g``,
    ``%`` ... -> float; ``s`` -> str). NumPy 2 writes scalars as ``np.float64(0.5)``; they are read as their
    value (myst-nb would fail on them).

    >>> format_glue_text("np.float64(0.123456)", ".3f")
    '0.123'
    >>> format_glue_text("'abc'")
    'abc'
    """
    if match := _NUMPY_BOOL.match(plain):
        plain = match["value"]
    elif match := _NUMPY_SCALAR.match(plain):
        plain = match["inner"]
    try:
        value: Any = ast.literal_eval(plain)
    except (SyntaxError, ValueError):
        value = plain
    if fmt_spec == "":
        return str(value)
    type_char = fmt_spec[-1]
    if type_char == "s":
        value = str(value)
    elif type_char in "bcdoxX":
        value = int(value)
    elif type_char in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


# =====================================================================================================
# Conversion
# =====================================================================================================
@dataclass
class _Context:
    """One conversion: the page, the book, the glued values, and whether we are inside a solution."""

    page: str
    index: BookIndex
    glue: Mapping[str, Any]
    solutions: str = "drop"
    in_solution: bool = False

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.page}: {message}")

    @property
    def dropping(self) -> bool:
        return self.in_solution and self.solutions == "drop"


# --- roles -------------------------------------------------------------------------------------------
def _glue_bundle(key: str, ctx: _Context) -> dict:
    if "::" in key:
        raise ctx.error(f"glue from another page ({key!r}) is not supported")
    if key not in ctx.glue:
        raise ctx.error(f"no glued value named {key!r}")
    value = ctx.glue[key]
    if isinstance(value, Mapping):
        return {mime: _joined(data) for mime, data in value.items()}
    return {"text/plain": str(value)}


def _glue_text(content: str, ctx: _Context) -> str:
    key, _, fmt_spec = content.rpartition(":") if ":" in content else (content, "", "s")
    bundle = _glue_bundle(key, ctx)
    if "text/plain" not in bundle:
        raise ctx.error(f"glued value {key!r} has no text/plain")
    try:
        return format_glue_text(bundle["text/plain"], fmt_spec)
    except (TypeError, ValueError) as exc:
        raise ctx.error(f"glued value {key!r} cannot be formatted with {fmt_spec!r}: {exc}") from exc


def _glue_any(bundle: dict, inline: bool) -> str:
    """The best plain-Markdown form of a glued mime bundle (image, Markdown, LaTeX, then plain text)."""
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in bundle:
            return f"![](data:{mime};base64,{str(bundle[mime]).strip()})"
    if "text/markdown" in bundle:
        return str(bundle["text/markdown"])
    if "text/latex" in bundle:
        latex = str(bundle["text/latex"]).strip()
        return latex if latex.startswith("$") or latex.startswith("\\begin") else f"${latex}$"
    if "text/plain" in bundle:
        text = str(bundle["text/plain"])
        return text if inline else f"```\n{text}\n```"
    raise ValueError("no displayable mime type")


def _glue_role(name: str, content: str, ctx: _Context) -> str:
    if name == "glue:text":
        return _glue_text(content, ctx)
    if name == "glue:md":
        key = content.rsplit(":", 1)[0]  # key:format, as myst-nb reads it
        bundle = _glue_bundle(key, ctx)
        if "text/markdown" not in bundle:
            raise ctx.error(f"glued value {key!r} has no text/markdown")
        return str(bundle["text/markdown"])
    if name not in ("glue", "glue:", "glue:any"):
        raise ctx.error(f"unknown role {{{name}}}")
    bundle = _glue_bundle(content, ctx)
    try:
        return _glue_any(bundle, inline=True)
    except ValueError as exc:
        raise ctx.error(f"glued value {content!r}: {exc}") from exc


def _explicit_title(content: str) -> tuple[str | None, str]:
    """``text <target>`` -> (text, target); ``target`` -> (None, target)."""
    match = _EXPLICIT_TITLE.match(content.strip())
    if match and match["text"]:
        return match["text"], match["target"].strip()
    return None, content.strip()


@functools.lru_cache(maxsize=None)
def _top_level_names(path: Path) -> frozenset[str]:
    """Names a module file defines at its top level (functions, classes, assignments)."""
    tree = ast.parse(path.read_text(encoding="utf8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(names)


def _module_file(src: Path, module: list[str]) -> Path | None:
    for candidate in (src.joinpath(*module).with_suffix(".py"), src.joinpath(*module, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=None)
def documented_name(target: str, src: Path) -> str:
    """The full name under which autodoc documents ``target`` (its anchor on the API page).

    A name defined where the target says (``calclib.api.grad``, ``calclib.forward.Dual.jvp``: read from the
    source in ``src`` without importing it) is its own anchor. A re-export (``calclib.grad``) is documented
    where it is defined: that is found by importing it (``obj.__module__``); if that fails the target is
    returned unchanged.
    """
    parts = target.split(".")
    for split in range(len(parts) - 1, 0, -1):
        path = _module_file(src, parts[:split])
        if path is not None:
            if parts[split] in _top_level_names(path):
                return target
            break
    try:
        import importlib

        module_name, attribute = target.rsplit(".", 1)
        obj = getattr(importlib.import_module(module_name), attribute)
        return f"{obj.__module__}.{obj.__qualname__}"
    except Exception:  # noqa: BLE001 - any failure: keep the target as written
        return target


def _api_link(role: str, content: str, ctx: _Context) -> tuple[str, str | None]:
    """``{py:func}`...```: (text, address on the API page); the text is Sphinx's (``~``, titles, ``()``)."""
    text, target = _explicit_title(content)
    suppress_link = target.startswith("!")
    target = target.lstrip("!")
    if target.startswith("~"):
        target = target[1:]
        text = text or target.rsplit(".", 1)[-1]
    target = target.lstrip(".")
    if text is None:
        text = target + ("()" if role in ("func", "meth") else "")  # Sphinx's add_function_parentheses
    if suppress_link:
        return f"`{text}`", None
    if role == "mod":
        anchor = f"module-{target}"
    else:
        anchor = documented_name(target, (ctx.index.root / "src").resolve())
    return f"`{text}`", f"{ctx.index.page_url(ctx.index.api_page)}#{anchor}"


def _escape_link_text(text: str) -> str:
    """Brackets escaped outside code and math, so ``text`` can be a link's text."""
    return "".join(re.sub(r"([\[\]])", r"\\\1", piece) if kind == "text" else piece
                   for kind, piece in inline_tokens(text))


def _kind_title(kind: str) -> str:
    return kind.replace("-", " ").capitalize()


def _numbered_name(target: Target) -> str:
    """``Exercise 3.2``, ``Theorem 1.1``, ``Fig. 8.3`` (Sphinx's numfig formats)."""
    if target.kind in NUMFIG_FORMAT:
        return NUMFIG_FORMAT[target.kind].format(target.number or "").strip()
    return f"{_kind_title(target.kind)} {target.number or ''}".strip()


def _reference_text(target: Target, role: str, label: str) -> str:
    """A reference's text when the role gives none."""
    if target.kind == "section":
        return target.title
    if role == "numref" or not target.title:
        return _numbered_name(target)
    if target.kind == "figure":
        return target.title
    return f"{_numbered_name(target)} ({target.title})"


def _url(docname: str, anchor: str | None, ctx: _Context, in_markdown: bool = True) -> str:
    """``#anchor`` on the same page (if the Markdown has it), else the page on the website (and the anchor)."""
    if anchor and docname == ctx.page and in_markdown:
        return f"#{anchor}"
    return ctx.index.page_url(docname) + (f"#{anchor}" if anchor else "")


def _ref_link(role: str, content: str, ctx: _Context) -> tuple[str, str]:
    """``{ref}``, ``{numref}``, ``{prf:ref}``: (text, address)."""
    explicit, label = _explicit_title(content)
    target = ctx.index.labels.get(label)
    if target is None:
        raise ctx.error(f"unknown label {label!r} in {{{role}}}")
    if explicit is None:
        text = _reference_text(target, role, label)
    else:
        text = (explicit.replace("{number}", target.number or "").replace("%s", target.number or "")
                .replace("{name}", target.title))
    return _convert_inline(text, ctx, links=False), _url(target.docname, label, ctx, target.in_markdown)


def _doc_link(content: str, ctx: _Context) -> tuple[str, str]:
    """``{doc}``: (text, address of the page)."""
    explicit, path = _explicit_title(content)
    base = "" if path.startswith("/") else posixpath.dirname(ctx.page)
    docname = _docname(posixpath.normpath(posixpath.join(base, path.lstrip("/"))))
    if docname not in ctx.index.pages:
        raise ctx.error(f"unknown page {path!r} in {{doc}}")
    text = explicit if explicit is not None else ctx.index.titles.get(docname, docname)
    return _convert_inline(text, ctx, links=False), _url(docname, None, ctx)


_SIMPLE_ROLES = {"sub": "<sub>{}</sub>", "sup": "<sup>{}</sup>", "kbd": "<kbd>{}</kbd>", "math": "${}$",
                 "abbr": "{}", "code": "`{}`", "samp": "`{}`", "file": "`{}`", "command": "**{}**"}


def _convert_role(name: str, content: str, ctx: _Context, links: bool = True) -> str:
    """One role as plain Markdown (``links=False``: its text only, for use inside a link's text)."""
    if name.startswith("glue"):
        return _glue_role(name, content, ctx)
    if name in _SIMPLE_ROLES:
        text = content.split("(", 1)[0].strip() if name == "abbr" else content
        return _SIMPLE_ROLES[name].format(text)
    if name.startswith("py:") and name[3:] in PY_ROLES:
        text, url = _api_link(name[3:], content, ctx)
    elif name in ("prf:ref", "ref", "numref"):
        text, url = _ref_link(name, content, ctx)
    elif name == "doc":
        text, url = _doc_link(content, ctx)
    elif name in ("cite", "cite:p", "cite:t"):
        text, url = _cite(name, content, ctx)
    else:
        raise ctx.error(f"unknown role {{{name}}} in {{{name}}}`{content}`")
    return f"[{_escape_link_text(text)}]({url})" if links and url else text


def _convert_inline(text: str, ctx: _Context, links: bool = True) -> str:
    """Every role of ``text`` converted; code spans and math untouched."""
    pieces = []
    for kind, piece in inline_tokens(text):
        if kind == "role":
            role = _ROLE.fullmatch(piece)
            pieces.append(_convert_role(role["name"], role["content"], ctx, links))
        else:
            pieces.append(piece)
    return "".join(pieces)


# --- text, with (label)= targets ---------------------------------------------------------------------
def _anchor(label: str | None) -> str:
    return f'<a id="{label}"></a>' if label else ""


def _attach_targets(lines: list[str]) -> list[str]:
    """``(label)=`` lines as anchors: inside the next heading, or on their own line when no heading follows."""
    out: list[str] = []
    pending: list[str] = []
    for line in lines:
        if target := _TARGET_LINE.match(line):
            pending.append(target["label"])
            continue
        if pending and line.strip():
            anchors = "".join(_anchor(label) for label in pending)
            heading = _HEADING_LINE.match(line)
            if heading:
                line = f"{heading['indent']}{heading['hashes']} {anchors}{heading['text'] or ''}"
            else:
                out.append(anchors)
            pending = []
        out.append(line)
    if pending:
        out.append("".join(_anchor(label) for label in pending))
    return out


# --- directives --------------------------------------------------------------------------------------
_NOT_A_PARAGRAPH = re.compile(r"^(?:[ \t]{4}|\s*(?:[-*+][ \t]|\d+[.)][ \t]|#{1,6}(?:[ \t]|$)|>|\||\$\$|\\begin|<|"
                              r"`{3}|~{3}|:{3}))")


def _headed(head: str, body: list[str]) -> list[str]:
    """``head`` (bold or italic) starting the body's first paragraph, or as a paragraph of its own."""
    while body and not body[0].strip():
        body = body[1:]
    if not body:
        return [head]
    if _NOT_A_PARAGRAPH.match(body[0]):
        return [head, ""] + body
    return [f"{head} {body[0]}"] + body[1:]


def _with_end_mark(body: list[str], mark: str = "∎") -> list[str]:
    """``mark`` at the end of the body's last paragraph (or as a paragraph of its own after math, code...)."""
    while body and not body[-1].strip():
        body = body[:-1]
    last = body[-1] if body else ""
    if last and not _NOT_A_PARAGRAPH.match(last) and not re.search(r"(\$\$|`{3,}|~{3,}|\\end\{[^}]*\}|\|)\s*$", last):
        return body[:-1] + [f"{last} {mark}"]
    return body + ["", mark]


def _block_number(block: Directive, ctx: _Context) -> str | None:
    label = block.options.get("label")
    if label and label in ctx.index.labels:
        return ctx.index.labels[label].number
    return ctx.index.block_numbers.get((ctx.page, block.name, block.argument, block.body))


def _theorem(block: Directive, kind: str, ctx: _Context) -> list[str]:
    number = _block_number(block, ctx)
    name = f"{_kind_title(kind)} {number}" if number else _kind_title(kind)
    title = _convert_inline(block.argument, ctx)
    head = f"**{name} ({title}).**" if title else f"**{name}.**"
    return _headed(_anchor(block.options.get("label")) + head, _convert_lines(block.body, ctx))


def _proof(block: Directive, ctx: _Context) -> list[str]:
    title = _convert_inline(block.argument, ctx)
    head = f"*Proof ({title}).*" if title else "*Proof.*"
    return _with_end_mark(_headed(_anchor(block.options.get("label")) + head, _convert_lines(block.body, ctx)))


def _exercise(block: Directive, ctx: _Context) -> list[str]:
    number = _block_number(block, ctx)
    name = f"Exercise {number}" if number else "Exercise"
    title = _convert_inline(block.argument, ctx)
    heading = f"#### {_anchor(block.options.get('label'))}{name}" + (f": {title}" if title else "")
    return [heading, ""] + _convert_lines(block.body, ctx)


def _solution(block: Directive, ctx: _Context) -> list[str]:
    if ctx.solutions == "drop":
        return []
    return _headed("**Solution.**", _convert_lines(block.body, ctx))


def _admonition(block: Directive, ctx: _Context) -> list[str]:
    body = block.body
    if block.name == "admonition":
        title = _convert_inline(block.argument, ctx) or "Note"
    else:
        title = ADMONITION_TITLES[block.name]
        body = f"{block.argument}\n{body}" if block.argument else body  # MyST: the argument starts the body
    head = f"**{title}**" if title[-1] in ".:?!" else f"**{title}.**"
    lines = _headed(head, _math_on_one_line("\n".join(_convert_lines(body, ctx))).split("\n"))
    return [f"> {line}" if line.strip() else ">" for line in lines]


def _figure(block: Directive, ctx: _Context) -> list[str]:
    alt = block.options.get("alt", "")
    lines = [_anchor(block.options.get("name") or block.options.get("label")) + f"![{alt}]({block.argument})"]
    caption = _convert_inline(block.body.strip(), ctx) if block.name == "figure" else ""
    if caption:
        number = _block_number(block, ctx)
        prefix = f"Fig. {number}: " if number else ""
        lines += ["", f"*{prefix}{caption}*"]
    return lines


def _math(block: Directive, ctx: _Context) -> list[str]:
    body = [line for line in block.body.split("\n") if line.strip()]
    return [_anchor(block.options.get("label")), "$$"] + body + ["$$"]


def _code(block: Directive, ctx: _Context) -> list[str]:
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", block.body)), default=0))
    return [f"{fence}{block.argument}"] + block.body.split("\n") + [fence]


def _glue_directive(block: Directive, ctx: _Context) -> list[str]:
    bundle = _glue_bundle(block.argument, ctx)
    if block.name == "glue:math":
        latex = str(bundle.get("text/latex", "")).strip().strip("$").strip()
        if not latex:
            raise ctx.error(f"glued value {block.argument!r} has no text/latex")
        return [_anchor(block.options.get("label")), "$$", latex, "$$"]
    if block.name == "glue:md":
        if "text/markdown" not in bundle:
            raise ctx.error(f"glued value {block.argument!r} has no text/markdown")
        return str(bundle["text/markdown"]).split("\n")
    try:
        lines = [_anchor(block.options.get("name")) + _glue_any(bundle, inline=False)]
    except ValueError as exc:
        raise ctx.error(f"glued value {block.argument!r}: {exc}") from exc
    if block.name == "glue:figure" and block.body.strip():
        number = _block_number(block, ctx)
        prefix = f"Fig. {number}: " if number else ""
        lines += ["", f"*{prefix}{_convert_inline(block.body.strip(), ctx)}*"]
    return lines


def _convert_directive(block: Directive, ctx: _Context) -> list[str]:
    name = block.name
    if name.startswith("prf:"):
        kind = name[4:]
        if kind == "proof":
            return _proof(block, ctx)
        if kind in THEOREM_KINDS:
            return _theorem(block, kind, ctx)
    elif name == "exercise":
        return _exercise(block, ctx)
    elif name == "solution":
        return _solution(block, ctx)
    elif name in ADMONITION_TITLES or name == "admonition":
        return _admonition(block, ctx)
    elif name in ("figure", "image"):
        return _figure(block, ctx)
    elif name == "math":
        return _math(block, ctx)
    elif name in ("code-block", "code", "sourcecode"):
        return _code(block, ctx)
    elif name in ("glue", "glue:", "glue:any", "glue:figure", "glue:math", "glue:md"):
        return _glue_directive(block, ctx)
    raise ctx.error(f"unknown directive {{{name}}}")


# --- blocks ------------------------------------------------------------------------------------------
def _separate(out: list[str]) -> None:
    """A blank line at the end of ``out`` (a converted directive is a block of its own)."""
    if out and out[-1].strip():
        out.append("")


def _append(out: list[str], lines: list[str]) -> None:
    """``lines`` after ``out``, without a second blank line where they meet (one ends a block already)."""
    if out and not out[-1].strip():
        while lines and not lines[0].strip():
            lines = lines[1:]
    out.extend(lines)


def _convert_lines(source: str, ctx: _Context) -> list[str]:
    """Convert Markdown (one cell, or a directive's body) to lines of plain Markdown."""
    out: list[str] = []
    after_directive = False
    for block in split_blocks(source):
        if isinstance(block, Directive) and block.name == "solution-start":
            ctx.in_solution = True
            lines = [] if ctx.solutions == "drop" else ["**Solution.**"]
        elif isinstance(block, Directive) and block.name == "solution-end":
            ctx.in_solution = False
            lines = []
        elif ctx.dropping:
            continue
        elif isinstance(block, (Text, Code)):
            if after_directive:
                _separate(out)
            if isinstance(block, Text):
                lines = _convert_inline("\n".join(_attach_targets(block.lines)), ctx).split("\n")
            else:
                lines = block.lines
            _append(out, lines)
            after_directive = False
            continue
        else:
            lines = _convert_directive(block, ctx)
        if lines:
            _separate(out)
            _append(out, [f"{block.indent}{line}" if line.strip() else "" for line in lines])
        after_directive = True
    return out


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    end = next((i for i in range(len(lines), 0, -1) if lines[i - 1].strip()), 0)
    return lines[start:end]


def _check_solutions(solutions: str) -> None:
    if solutions not in ("drop", "keep"):
        raise ValueError(f"solutions must be 'drop' or 'keep', not {solutions!r}")


def convert_cell(source: str, ctx: _Context) -> str:
    """One markdown cell with a conversion context (which carries the solution state from cell to cell)."""
    return "\n".join(_strip_blank_edges(_convert_lines(source, ctx)))


def to_plain_markdown(source: str, *, page: str, index: BookIndex, glue: Mapping[str, Any],
                      solutions: str = "drop") -> str:
    """One markdown cell in plain Jupyter Markdown (CommonMark/GFM with dollar math).

    Parameters
    ----------
    source : str
        The cell's MyST Markdown.
    page : str
        Its page (docname, e.g. ``"book/derivatives"``): for links to labels on the same page, and for
        error messages.
    index : BookIndex
        The book's labels, titles and numbers (:func:`book_index`).
    glue : mapping
        Glued values, name -> mime bundle (:func:`glue_values`) or, for a test, name -> plain text.
    solutions : {"drop", "keep"}
        ``"drop"`` removes ``{solution}`` blocks and everything from a ``{solution-start}`` to its
        ``{solution-end}`` (within this cell: :func:`plain_notebook_markdown` follows a solution across
        cells); ``"keep"`` keeps them under a ``**Solution.**`` head.

    Returns
    -------
    str
        The cell without MyST, without leading or trailing blank lines.

    Raises
    ------
    ValueError
        For an unknown directive, role or label, or a missing glue key (the message names the page).
    """
    _check_solutions(solutions)
    return convert_cell(source, _Context(page, index, glue, solutions))


def plain_notebook_markdown(nb: Mapping[str, Any], *, page: str, index: BookIndex, glue: Mapping[str, Any],
                            solutions: str = "drop") -> dict:
    """A copy of ``nb`` with every markdown cell in plain Markdown, and the cells left empty removed.

    With ``solutions="drop"`` the markdown cells between a ``{solution-start}`` and its ``{solution-end}``
    are removed too. Code cells are copied unchanged (turning solution code into stubs is
    :mod:`booktools.labs`'s job).
    """
    _check_solutions(solutions)
    ctx = _Context(page, index, glue, solutions)
    out = copy.deepcopy(nb)
    cells = []
    for cell in out["cells"]:
        if cell.get("cell_type") == "markdown":
            cell["source"] = convert_cell(_source(cell), ctx)
            if not cell["source"].strip():
                continue
        cells.append(cell)
    out["cells"] = cells
    return out


# =====================================================================================================
# Checking the output
# =====================================================================================================
_MYST_MARKERS = re.compile(r"\{(?:glue[\w:]*|prf:[\w-]+|py:\w+|ref|numref|doc|eq|exercise|solution[\w-]*)\}")


def leftover_myst(text: str) -> list[str]:
    """The pieces of MyST left in ``text``: roles, directive fences, ``(label)=`` targets, known role names.

    Code fences, inline code and math are skipped: ```` `{solution}` ```` in code is not MyST.
    """
    found: list[str] = []
    for block in split_blocks(text):
        if isinstance(block, Directive):
            found.append(f"{{{block.name}}} {block.argument}".strip())
            found.extend(leftover_myst(block.body))
        elif isinstance(block, Text):
            found.extend(line.strip() for line in block.lines if _TARGET_LINE.match(line))
            for kind, piece in inline_tokens("\n".join(block.lines)):
                if kind == "role":
                    found.append(piece)
                elif kind == "text":
                    found.extend(match[0] for match in _MYST_MARKERS.finditer(piece))
                    found.extend(line.strip() for line in piece.split("\n")
                                 if re.match(r"^\s*(`{3,}|:{3,})\{", line))
    return found
