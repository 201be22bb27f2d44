"""Tests of booktools.markdown: the book's MyST turned into plain Jupyter Markdown.

The unit tests convert small handwritten snippets against a tiny fake book (written to a temporary folder)
and compare with the expected plain Markdown written out by hand. The whole-book tests convert every
markdown cell of every chapter and check the output independently: no MyST left, the math unchanged,
every link pointing at a page of the toc, and markdown-it (CommonMark + tables) rendering no directive.
"""

from __future__ import annotations

import collections
import json
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from booktools.markdown import (
    BookIndex,
    book_index,
    documented_name,
    format_glue_text,
    glue_values,
    leftover_myst,
    plain_notebook_markdown,
    site_url,
    to_plain_markdown,
    toc_pages,
)

ROOT = Path(__file__).resolve().parents[1]
SITE = "https://owner.github.io/my-book/"
API = f"{SITE}api.html"


# =====================================================================================================
# A tiny fake book
# =====================================================================================================
def _nb(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _figure_cell(name: str, caption: str | None) -> nbformat.NotebookNode:
    figure = {"name": name} | ({"caption": caption} if caption else {})
    return nbformat.v4.new_code_cell("plot()", metadata={"mystnb": {"figure": figure}})


ALPHA_CELLS = [
    "# Alpha\n\n"
    "```{prf:definition} Slope\n:label: def-slope\n\nThe slope.\n```\n\n"
    "```{prf:theorem} Big\n:label: thm-big\n\nBody.\n```\n\n"
    "```{prf:theorem}\n:label: thm-untitled\n\nNo title, so Sphinx does not number it.\n```",
    _figure_cell("fig-a", "A caption."),
    _figure_cell("fig-nocap", None),
    _figure_cell("fig-b", "Another caption."),
    "(sec-later)=\n## Later section\n\n"
    "```{exercise} First\n:label: ex-first\n\nDo it.\n```\n\n"
    "````{exercise} Second\n:label: ex-second\n:nonumber:\n\n```{note}\nInside.\n```\n````",
    ":::{exercise} Third\n:label: ex-third\nAnd this.\n:::",
    "```{prf:theorem} Later theorem\n:label: thm-later\n\nMore.\n```",
]
BETA_CELLS = [
    "# Beta\n\n```{exercise} Beta one\n:label: ex-beta\n\nText.\n```",
    "```{prf:proposition} Other\n:label: prop-other\n\nText.\n```",
]


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("book")
    (root / "_config.yml").write_text(yaml.safe_dump(
        {"title": "Fake", "repository": {"url": "https://github.com/Owner/my-book"}}))
    (root / "_toc.yml").write_text(yaml.safe_dump({
        "format": "jb-book", "root": "intro",
        "parts": [
            {"caption": "One", "numbered": True, "chapters": [{"file": "ch/alpha"}]},
            {"caption": "Two", "numbered": True, "chapters": [{"file": "ch/beta.ipynb"}]},
            {"caption": "Reference", "chapters": [{"file": "api"}]},
        ],
    }))
    (root / "intro.md").write_text("# Welcome\n\nSee {doc}`the API <api>`.\n")
    (root / "api.md").write_text("# The API\n\n```{eval-rst}\n.. automodule:: calclib.api\n   :members:\n```\n")
    (root / "ch").mkdir()
    for name, cells in (("alpha", ALPHA_CELLS), ("beta", BETA_CELLS)):
        nb = _nb(*(nbformat.v4.new_markdown_cell(c) if isinstance(c, str) else c for c in cells))
        nbformat.write(nb, root / "ch" / f"{name}.ipynb")
    (root / "src" / "mypkg").mkdir(parents=True)
    (root / "src" / "mypkg" / "__init__.py").write_text("")
    (root / "src" / "mypkg" / "mod.py").write_text("def f():\n    pass\n\n\nclass K:\n    pass\n\nDATA = 1\n")
    return root


@pytest.fixture(scope="module")
def fake(fake_root) -> BookIndex:
    return book_index(fake_root)


def convert(source: str, index: BookIndex, page: str = "ch/alpha", glue: dict | None = None,
            solutions: str = "drop") -> str:
    return to_plain_markdown(source, page=page, index=index, glue=glue or {}, solutions=solutions)


# =====================================================================================================
# The index
# =====================================================================================================
def test_site_url_from_config():
    assert site_url({"html": {"baseurl": "https://example.org/book"}}) == "https://example.org/book/"
    assert site_url({"repository": {"url": "https://github.com/Owner/my-book"}}) == SITE
    assert site_url({"repository": {"url": "https://github.com/owner/my-book.git"}}) == SITE
    assert site_url({"repository": {"url": "https://github.com/me/me.github.io"}}) == "https://me.github.io/"
    with pytest.raises(ValueError, match="baseurl"):
        site_url({"repository": {"url": "https://gitlab.com/a/b"}})


def test_toc_numbering_across_parts():
    toc = {"root": "intro", "parts": [
        {"numbered": True, "chapters": [{"file": "a"}, {"file": "b", "sections": [{"file": "b1"}]}]},
        {"chapters": [{"file": "x"}]},
        {"numbered": True, "chapters": [{"file": "c.ipynb"}]},
    ]}
    pages, chapters = toc_pages(toc)
    assert pages == ["intro", "a", "b", "b1", "x", "c"]
    assert chapters == {"a": 1, "b": 2, "c": 3}
    assert toc_pages(toc, multitoc_numbering=False)[1] == {"a": 1, "b": 2, "c": 1}


def test_fake_index(fake):
    assert fake.site_url == SITE
    assert fake.pages == ["intro", "ch/alpha", "ch/beta", "api"]
    assert fake.chapters == {"ch/alpha": 1, "ch/beta": 2}
    assert fake.api_page == "api"
    assert fake.titles["ch/alpha"] == "Alpha" and fake.titles["api"] == "The API"
    expected = {
        "def-slope": ("ch/alpha", "definition", "Slope", "1.1"),
        "thm-big": ("ch/alpha", "theorem", "Big", "1.1"),
        "thm-untitled": ("ch/alpha", "theorem", "", None),
        "thm-later": ("ch/alpha", "theorem", "Later theorem", "1.2"),
        "fig-a": ("ch/alpha", "figure", "A caption.", "1.1"),
        "fig-nocap": ("ch/alpha", "figure", "", None),
        "fig-b": ("ch/alpha", "figure", "Another caption.", "1.2"),
        "sec-later": ("ch/alpha", "section", "Later section", None),
        "ex-first": ("ch/alpha", "exercise", "First", "1.1"),
        "ex-second": ("ch/alpha", "exercise", "Second", None),
        "ex-third": ("ch/alpha", "exercise", "Third", "1.2"),
        "ex-beta": ("ch/beta", "exercise", "Beta one", "2.1"),
        "prop-other": ("ch/beta", "proposition", "Other", "2.1"),
    }
    got = {label: (t.docname, t.kind, t.title, t.number) for label, t in fake.labels.items()}
    assert got == expected


def test_duplicate_label_is_an_error(tmp_path, fake_root):
    for name in ("_config.yml", "_toc.yml", "intro.md", "api.md"):
        (tmp_path / name).write_bytes((fake_root / name).read_bytes())
    (tmp_path / "ch").mkdir()
    nbformat.write(_nb(nbformat.v4.new_markdown_cell("```{exercise} A\n:label: ex-beta\n\nx\n```")),
                   tmp_path / "ch" / "alpha.ipynb")
    nbformat.write(nbformat.read(fake_root / "ch" / "beta.ipynb", as_version=4), tmp_path / "ch" / "beta.ipynb")
    with pytest.raises(ValueError, match="ex-beta"):
        book_index(tmp_path)


# =====================================================================================================
# Glue
# =====================================================================================================
@pytest.mark.parametrize("value, spec", [
    (0.123456789, ".3f"), (1234567.891, ",.0f"), (-0.5, "+.3f"), (1.5e-7, ".1e"), (0.25, ".0%"),
    (2.0 / 3.0, ".4g"), (42, "d"), (255, "x"), (3, ".2f"), (123.456, ".0f"),
])
def test_glue_text_formats_like_python(value, spec):
    assert format_glue_text(repr(value), spec) == format(value, spec)


def test_glue_text_reads_numpy_reprs():
    np = pytest.importorskip("numpy")
    assert format_glue_text(repr(np.float64(0.1234567)), ".4f") == format(0.1234567, ".4f")
    assert format_glue_text(repr(np.int64(7)), "d") == "7"
    assert format_glue_text(repr(np.float64(2.5))) == "2.5"
    assert format_glue_text(repr(np.True_)) == "True"
    assert format_glue_text(repr(np.float32(0.5)), ".2f") == "0.50"


def test_glue_text_strings_and_text():
    assert format_glue_text("'abc'") == "abc"  # the repr of a string, without its quotes
    assert format_glue_text("not a literal") == "not a literal"
    assert format_glue_text("0.5", "") == "0.5"


def test_glue_values_from_outputs():
    prefix = "application/papermill.record/"
    cell = nbformat.v4.new_code_cell("glue(...)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={prefix + "text/plain": "0.25"},
                               metadata={"scrapbook": {"name": "quiet", "mime_prefix": prefix}}),
        nbformat.v4.new_output("display_data", data={"text/plain": "'shown'", "text/html": "<b>shown</b>"},
                               metadata={"scrapbook": {"name": "loud", "mime_prefix": ""}}),
        nbformat.v4.new_output("display_data", data={"text/plain": "not glued"}),
        nbformat.v4.new_output("stream", name="stdout", text="hello\n"),
    ]
    values = glue_values(_nb(nbformat.v4.new_markdown_cell("text"), cell))
    assert values == {"quiet": {"text/plain": "0.25"}, "loud": {"text/plain": "'shown'", "text/html": "<b>shown</b>"}}


def test_glue_values_from_a_real_kernel(fake):
    """myst-nb's own glue() in a kernel, read back: the format the book's executed notebooks have."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("myst_nb")
    from jupyter_client.kernelspec import NoSuchKernel

    nb = _nb(nbformat.v4.new_code_cell(
        "import numpy as np\nfrom myst_nb import glue\n"
        "glue('third', np.float64(1 / 3), display=False)\nglue('count', 42)\nglue('word', 'hello', display=False)"))
    try:
        nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    except NoSuchKernel:  # pragma: no cover
        pytest.skip("no python3 kernel")
    values = glue_values(nb)
    assert set(values) == {"third", "count", "word"}
    text = convert("{glue:text}`third:.3f`, {glue:text}`count`, {glue:text}`word` and {glue:text}`third`",
                   fake, glue=values)
    assert text == f"{1 / 3:.3f}, 42, hello and {1 / 3}"


def test_glue_roles(fake):
    glue = {"x": "0.123456", "n": {"text/plain": "1234567.0"}, "s": "'text'"}
    assert convert("a {glue:text}`x:.2f` b {glue:text}`n:,.0f` c {glue:text}`s`", fake, glue=glue) == \
        "a 0.12 b 1,234,567 c text"
    assert convert("{glue:}`x` and {glue}`x`", fake, glue=glue) == "0.123456 and 0.123456"
    assert convert("| {glue:text}`x:.1f` | b |\n|---|---|", fake, glue=glue) == "| 0.1 | b |\n|---|---|"


def test_missing_glue_key_names_page_and_key(fake):
    with pytest.raises(ValueError, match=r"ch/alpha.*'missing'"):
        convert("value {glue:text}`missing:.3f`", fake, glue={"x": "1"})


def test_glue_that_cannot_be_formatted(fake):
    with pytest.raises(ValueError, match="'s'"):
        convert("{glue:text}`s:.3f`", fake, glue={"s": "'abc'"})


# =====================================================================================================
# Roles
# =====================================================================================================
def test_python_roles(fake):
    assert convert("{py:func}`calclib.api.grad`", fake) == f"[`calclib.api.grad()`]({API}#calclib.api.grad)"
    assert convert("{py:func}`~calclib.api.grad`", fake) == f"[`grad`]({API}#calclib.api.grad)"
    assert convert("{py:func}`cl.grad <calclib.api.grad>`", fake) == f"[`cl.grad`]({API}#calclib.api.grad)"
    assert convert("{py:mod}`calclib.rules`", fake) == f"[`calclib.rules`]({API}#module-calclib.rules)"
    assert convert("{py:class}`calclib.forward.Dual`", fake) == \
        f"[`calclib.forward.Dual`]({API}#calclib.forward.Dual)"
    assert convert("{py:data}`calclib.functions.CATALOGUE`", fake) == \
        f"[`calclib.functions.CATALOGUE`]({API}#calclib.functions.CATALOGUE)"


def test_python_role_re_export_links_to_its_definition(fake):
    """``calclib.grad`` is documented as ``calclib.api.grad``."""
    assert convert("{py:func}`calclib.grad`", fake) == f"[`calclib.grad()`]({API}#calclib.api.grad)"


def test_documented_name_reads_the_source(fake_root):
    src = fake_root / "src"
    assert documented_name("mypkg.mod.f", src) == "mypkg.mod.f"
    assert documented_name("mypkg.mod.K", src) == "mypkg.mod.K"
    assert documented_name("mypkg.mod.DATA", src) == "mypkg.mod.DATA"
    assert documented_name("mypkg.nowhere", src) == "mypkg.nowhere"  # not importable: unchanged


def test_references(fake):
    assert convert("see {prf:ref}`thm-big`.", fake) == "see [Theorem 1.1 (Big)](#thm-big)."
    assert convert("see {prf:ref}`prop-other`.", fake) == \
        f"see [Proposition 2.1 (Other)]({SITE}ch/beta.html#prop-other)."
    assert convert("{prf:ref}`the big one <thm-big>`", fake) == "[the big one](#thm-big)"
    assert convert("{ref}`sec-later`", fake, page="ch/beta") == f"[Later section]({SITE}ch/alpha.html#sec-later)"
    assert convert("{ref}`here <sec-later>`", fake) == "[here](#sec-later)"
    assert convert("{ref}`ex-beta`", fake) == f"[Exercise 2.1 (Beta one)]({SITE}ch/beta.html#ex-beta)"
    # a figure made by a code cell has no anchor in the notebook: the link goes to the website
    assert convert("{numref}`fig-b`", fake) == f"[Fig. 1.2]({SITE}ch/alpha.html#fig-b)"
    assert convert("{numref}`Figure {number} <fig-b>`", fake) == f"[Figure 1.2]({SITE}ch/alpha.html#fig-b)"
    assert convert("{numref}`ex-third`", fake) == "[Exercise 1.2](#ex-third)"
    assert convert("{doc}`the API <api>`", fake, page="intro") == f"[the API]({SITE}api.html)"
    assert convert("{doc}`../api`", fake) == f"[The API]({SITE}api.html)"


def test_unknown_label_names_page_and_label(fake):
    with pytest.raises(ValueError, match=r"ch/alpha.*'no-such-label'"):
        convert("{prf:ref}`no-such-label`", fake)
    with pytest.raises(ValueError, match=r"ch/beta.*'nope'"):
        convert("{ref}`text <nope>`", fake, page="ch/beta")
    with pytest.raises(ValueError, match="ch/alpha.*missing"):
        convert("{doc}`missing`", fake)


def test_unknown_role_is_an_error(fake):
    with pytest.raises(ValueError, match=r"ch/alpha.*\{cite\}"):
        convert("as shown {cite}`knuth`", fake)


def test_roles_in_code_and_math_are_left_alone(fake):
    text = "`` {glue:text}`x` `` and $\\{x\\}_{i}$ and `{solution}` blocks and ``{py:func}`f` ``"
    assert convert(text, fake) == text


# =====================================================================================================
# Directives
# =====================================================================================================
def test_theorem_like_blocks(fake):
    source = "Before.\n```{prf:theorem} Big\n:label: thm-big\n\nBody with $a_1 * b_2$.\n```\nAfter."
    assert convert(source, fake) == (
        "Before.\n\n"
        '<a id="thm-big"></a>**Theorem 1.1 (Big).** Body with $a_1 * b_2$.\n\n'
        "After.")
    source = "```{prf:definition} Slope\n:label: def-slope\n\n$$\nm_{*} = \\frac{a}{b}\n$$\n\nwhere.\n```"
    assert convert(source, fake) == (
        '<a id="def-slope"></a>**Definition 1.1 (Slope).**\n\n$$\nm_{*} = \\frac{a}{b}\n$$\n\nwhere.')
    assert convert("```{prf:theorem}\n:label: thm-untitled\n\nNo title.\n```", fake) == \
        '<a id="thm-untitled"></a>**Theorem.** No title.'


def test_unlabelled_block_is_numbered_by_its_place(fake):
    assert convert("```{prf:theorem} Big\n:label: thm-big\n\nBody.\n```", fake).startswith(
        '<a id="thm-big"></a>**Theorem 1.1 (Big).**')
    # the exercise of ch/alpha's last-but-one cell, recognized by its text
    assert convert(":::{exercise} Third\n:label: ex-third\nAnd this.\n:::", fake).startswith(
        '#### <a id="ex-third"></a>Exercise 1.2: Third')


def test_proof(fake):
    assert convert("```{prf:proof}\nBecause $x_1 = x_2$.\n```", fake) == "*Proof.* Because $x_1 = x_2$. ∎"
    assert convert("```{prf:proof}\nSo\n\n$$\na = b\n$$\n```", fake) == "*Proof.* So\n\n$$\na = b\n$$\n\n∎"


def test_exercise(fake):
    source = "```{exercise} First\n:label: ex-first\n:class: hard\n\nDo **it**: $x_i$.\n\n1. one\n2. two\n```"
    assert convert(source, fake) == \
        '#### <a id="ex-first"></a>Exercise 1.1: First\n\nDo **it**: $x_i$.\n\n1. one\n2. two'


def test_nested_fences(fake):
    source = ("````{exercise} Second\n:label: ex-second\n:nonumber:\n\nIntro.\n\n"
              "```{note}\nA note with {prf:ref}`thm-big`.\n```\n\n"
              "```python\nx = {'a': 1}  # ```{note} inside code\n```\n````")
    assert convert(source, fake) == (
        '#### <a id="ex-second"></a>Exercise: Second\n\nIntro.\n\n'
        "> **Note.** A note with [Theorem 1.1 (Big)](#thm-big).\n\n"
        "```python\nx = {'a': 1}  # ```{note} inside code\n```")


def test_colon_fence_with_nested_backtick_directive(fake):
    source = ":::{important}\nFirst.\n\n```{warning}\nDeep.\n```\n:::"
    assert convert(source, fake) == "> **Important.** First.\n>\n> > **Warning.** Deep."


def test_admonition_keeps_display_math_on_one_line(fake):
    source = ("```{admonition} Why it works\n:class: tip\n\nBecause\n\n"
              "$$\nf'(x) = \\lim_{h \\to 0}\n  \\frac{f(x+h) - f(x)}{h}\n$$\n\nand $a +\nb$.\n```")
    assert convert(source, fake) == (
        "> **Why it works.** Because\n>\n"
        "> $$ f'(x) = \\lim_{h \\to 0} \\frac{f(x+h) - f(x)}{h} $$\n>\n"
        "> and $a + b$.")


def test_yaml_options_are_dropped(fake):
    source = "```{note}\n---\nclass: dropdown\nname: my-note\n---\nText.\n```"
    assert convert(source, fake) == "> **Note.** Text."


def test_math_and_code_untouched(fake):
    source = ("Let $a_{i}*b_{j}$ and $$x_1 * y_2 = \\{z\\}_3$$ hold.\n\n"
              "$$\n\\begin{aligned} a_1 &= b_* \\\\ c &= {d}`e` \\end{aligned}\n$$\n\n"
              "```python\nglue('x', 1)  # {glue:text}`x` and *stars* and a_b\n```\n\n"
              "```bash\npython dev.py labs  # {prf:ref}`nope`\n```\n\n"
              "~~~\n:::{note}\n~~~\n\n"
              "````markdown\n```{note}\nMyST shown as code: {prf:ref}`x`\n```\n````")
    assert convert(source, fake) == source


def test_unknown_directive_names_page_and_directive(fake):
    with pytest.raises(ValueError, match=r"ch/alpha.*\{margin\}"):
        convert("```{margin} Aside\nText.\n```", fake)
    with pytest.raises(ValueError, match=r"\{tableofcontents\}"):
        convert(":::{tableofcontents}\n:::", fake)


def test_targets_before_headings(fake):
    assert convert("(sec-later)=\n## Later section\n\nText.", fake) == \
        '## <a id="sec-later"></a>Later section\n\nText.'
    assert convert("(lonely)=\n\nJust text.", fake) == '<a id="lonely"></a>\nJust text.'


def test_math_directive_and_figure(fake):
    assert convert("```{math}\n:label: eq-one\n\na = b\n```", fake) == '<a id="eq-one"></a>\n$$\na = b\n$$'
    assert convert("```{figure} img/plot.png\n:alt: A plot\n:name: fig-x\n\nThe caption.\n```", fake) == \
        '<a id="fig-x"></a>![A plot](img/plot.png)\n\n*The caption.*'


# =====================================================================================================
# Solutions
# =====================================================================================================
SOLUTION_CELL = ("```{exercise} First\n:label: ex-first\n\nDo it.\n```\n\n"
                 "```{solution-start} ex-first\n:class: dropdown\n```\n\nThe answer is $x_1$.\n\n"
                 "```{solution-end}\n```\n\nAfter.")


def test_solutions_dropped(fake):
    assert convert(SOLUTION_CELL, fake) == '#### <a id="ex-first"></a>Exercise 1.1: First\n\nDo it.\n\nAfter.'
    assert convert("Text.\n\n```{solution} ex-first\n:class: dropdown\n\nSecret.\n```", fake) == "Text."


def test_solutions_kept(fake):
    assert convert(SOLUTION_CELL, fake, solutions="keep") == (
        '#### <a id="ex-first"></a>Exercise 1.1: First\n\nDo it.\n\n'
        "**Solution.**\n\nThe answer is $x_1$.\n\nAfter.")
    assert convert("```{solution} ex-first\n\nSecret.\n```", fake, solutions="keep") == "**Solution.** Secret."
    with pytest.raises(ValueError, match="solutions"):
        convert("x", fake, solutions="hide")


def test_notebook_solutions_across_cells(fake):
    md = nbformat.v4.new_markdown_cell
    nb = _nb(md("```{exercise} First\n:label: ex-first\n\nDo it.\n```\n\n```{solution-start} ex-first\n```"),
             md("Prose of the solution."),
             nbformat.v4.new_code_cell("answer = 1"),
             md("```{solution-end}\n```"),
             md("   \n"),
             md("Next {prf:ref}`thm-big`."))
    dropped = plain_notebook_markdown(nb, page="ch/alpha", index=fake, glue={})
    assert [(c.cell_type, c.source) for c in dropped.cells] == [
        ("markdown", '#### <a id="ex-first"></a>Exercise 1.1: First\n\nDo it.'),
        ("code", "answer = 1"),
        ("markdown", "Next [Theorem 1.1 (Big)](#thm-big)."),
    ]
    kept = plain_notebook_markdown(nb, page="ch/alpha", index=fake, glue={}, solutions="keep")
    assert [c.source for c in kept.cells] == [
        '#### <a id="ex-first"></a>Exercise 1.1: First\n\nDo it.\n\n**Solution.**',
        "Prose of the solution.", "answer = 1", "Next [Theorem 1.1 (Big)](#thm-big)."]
    assert nb.cells[0].source.startswith("```{exercise}")  # the input is not modified


# =====================================================================================================
# leftover_myst
# =====================================================================================================
def test_leftover_myst_finds_myst():
    assert leftover_myst("a {prf:ref}`x` b") == ["{prf:ref}`x`"]
    assert leftover_myst("```{exercise} T\nbody\n```") == ["{exercise} T"]
    assert leftover_myst(":::{note}\n:::") == ["{note}"]
    assert leftover_myst("(label)=\n# H") == ["(label)="]
    assert leftover_myst("a {glue:text} b") == ["{glue:text}"]


def test_leftover_myst_ignores_code_and_math():
    assert leftover_myst("`{solution}` blocks, ``{glue:text}`x` ``, $\\{a\\}$\n\n```md\n```{note}\n```\n") == []


# =====================================================================================================
# The whole book
# =====================================================================================================
@pytest.fixture(scope="module")
def index() -> BookIndex:
    return book_index(ROOT)


def _toc() -> dict:
    return yaml.safe_load((ROOT / "_toc.yml").read_text())


def _chapter_notebooks() -> list[str]:
    toc = _toc()
    docs = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [d for d in docs if (ROOT / f"{d}.ipynb").exists()]


def _markdown_cells(doc: str) -> list[str]:
    nb = json.loads((ROOT / f"{doc}.ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def test_book_chapter_numbers_and_site(index):
    expected = {"book/derivatives": 1, "book/several_variables": 2, "book/finite_differences": 3,
                "book/symbolic": 4, "book/forward_mode": 5, "book/reverse_mode": 6, "book/efficiency": 7,
                "book/gradient_descent": 8, "book/newton": 9, "book/neuron": 10}
    assert index.chapters == expected
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    baseurl = (config.get("html") or {}).get("baseurl")
    if baseurl:
        assert index.site_url == baseurl.rstrip("/") + "/"
    else:
        owner, name = config["repository"]["url"].rstrip("/").split("/")[-2:]
        assert index.site_url == f"https://{owner.lower()}.github.io/{name}/"
    assert index.api_page == "book/api"


@pytest.mark.parametrize("doc", _chapter_notebooks())
def test_book_exercise_numbers(index, doc):
    """The k-th exercise of chapter c is Exercise c.k (Sphinx numfig, one counter per chapter)."""
    labels = re.findall(r"^[`:]{3,}\{exercise\}.*\n:label:\s*(\S+)", "\n".join(_markdown_cells(doc)), re.M)
    chapter = index.chapters.get(doc)
    for k, label in enumerate(labels, start=1):
        assert index.labels[label].number == (f"{chapter}.{k}" if chapter else str(k))
        assert index.labels[label].kind == "exercise"


FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,}|:{3,})(.*)$")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+?\$", re.S)
LINK = re.compile(r"\]\(([^()\s]+)\)")
GLUE_KEY = re.compile(r"\{glue(?::\w*)?\}`([^`:]+)")


def _without_code_fences(text: str) -> str:
    """``text`` without code fences; a directive's fence lines become its argument (the body stays)."""
    out, code, directives = [], None, []
    for line in text.split("\n"):
        match = FENCE_LINE.match(line)
        closes = match and not match[2].strip()
        if code:
            if closes and match[1][0] == code[0] and len(match[1]) >= len(code):
                code = None
        elif match and match[2].strip().startswith("{"):
            directives.append(match[1])
            out.append(match[2].strip().partition("}")[2])
        elif closes and directives and match[1][0] == directives[-1][0] and len(match[1]) >= len(directives[-1]):
            directives.pop()
        elif match and match[1][0] in "`~":
            code = match[1]
        else:
            out.append(line)
    return "\n".join(out)


def _math_spans(text: str) -> collections.Counter:
    """Math spans, found by a regex (outside code fences and code spans), whitespace normalized."""
    text = _without_code_fences(text)
    text = re.sub(r"\{[\w:+.-]+\}`[^`]*`", "", text)  # roles (only in the input)
    text = re.sub(r"(`+)[^`]+?\1", "", text)  # inline code
    return collections.Counter(" ".join(span.split()) for span in MATH.findall(text))


def _render(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(markdown)


def _outside_code_and_math(html: str) -> str:
    html = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.S)
    return MATH.sub("", html)


@pytest.mark.parametrize("solutions", ["drop", "keep"])
@pytest.mark.parametrize("doc", _chapter_notebooks())
def test_book_chapter_converts(index, doc, solutions):
    cells = _markdown_cells(doc)
    glue = {key: "1.0" for cell in cells for key in GLUE_KEY.findall(cell)}
    nb = nbformat.read(ROOT / f"{doc}.ipynb", as_version=4)
    out = plain_notebook_markdown(nb, page=doc, index=index, glue=glue, solutions=solutions)
    converted = [c.source for c in out.cells if c.cell_type == "markdown"]
    assert all(text.strip() for text in converted)
    text = "\n\n".join(converted)

    assert leftover_myst(text) == []
    assert not re.search(r"\{(glue|prf:|py:|ref\}|numref\}|doc\}|exercise\}|solution)", _without_code_fences(text)
                         .replace("`{solution}`", ""))

    # Every math span is kept (with solutions="keep"), or removed whole; the only new ones are copies of
    # titles with math, in the text of references.
    before, after = _math_spans("\n\n".join(cells)), _math_spans(text)
    in_titles = {span for target in index.labels.values() for span in _math_spans(target.title)}
    assert set(after - before) <= in_titles
    if solutions == "keep":
        assert not before - after
        assert text.count("**Solution.**") == sum(c.count("{solution-start}") for c in cells)
    else:
        assert "**Solution.**" not in text

    labels_here = {label for label, t in index.labels.items() if t.docname == doc}
    for url in LINK.findall(text):
        if url.startswith("#"):
            assert url[1:] in labels_here, url
            assert f'<a id="{url[1:]}"></a>' in text, url
        elif not url.startswith(index.site_url):
            assert re.match(r"https?://", url) and url in "\n".join(cells), url  # an external link of the text
        else:
            page, _, anchor = url[len(index.site_url):].partition("#")
            assert page.endswith(".html") and page[:-5] in _toc_docnames(), url
            if page[:-5] == index.api_page:
                assert anchor.startswith(("calclib.", "module-calclib.")), url
            elif anchor:
                assert index.labels[anchor].docname == page[:-5], url

    for cell in converted:
        html = _render(cell)
        assert "language-{" not in html
        rest = _outside_code_and_math(html)
        assert not re.search(r"\{[\w:+.-]+\}(<code>|`)|:::\{|```\{|\{(glue|prf|py|ref|numref|doc|exercise|solution)",
                             rest), cell


def _toc_docnames() -> set[str]:
    toc = _toc()
    return {toc["root"]} | {c["file"] for part in toc["parts"] for c in part["chapters"]}


def test_rendered_blockquote_keeps_math_whole(fake):
    out = convert("```{note}\nSee\n\n$$\na_1 *\nb_2\n$$\n```", fake)
    html = _render(out)
    assert "<blockquote>" in html and "$$ a_1 * b_2 $$" in html


# =====================================================================================================
# Citations: {cite} as (Author, year), linked to the References page
# =====================================================================================================
def test_citations_read_as_author_year_and_link_the_references_page():
    index = book_index(ROOT)
    assert index.references_page == "book/references"
    page = index.page_url("book/references")
    text = convert("As in {cite}`griewank2008evaluating,baydin2018automatic`; {cite:t}`goh2017momentum` shows it.",
                   index, page="book/newton")
    assert text == (f"As in [\\[Griewank and Walther, 2008; Baydin et al., 2018\\]]({page}); "
                    f"[Goh \\[2017\\]]({page}) shows it.")
    assert not leftover_myst(text)
    with pytest.raises(ValueError, match="unknown citation key 'nobody2000'.*references.bib"):
        convert("{cite}`nobody2000`", index, page="book/newton")


def test_every_citation_key_in_the_chapters_is_in_references_bib():
    from booktools.markdown import read_bibliography

    known = read_bibliography((ROOT / "references.bib").read_text("utf8"))
    cited = {key.strip() for path in (ROOT / "book").glob("*.ipynb")
             for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "markdown"
             for keys in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", "".join(cell["source"])) for key in keys.split(",")}
    assert cited, "no chapter cites anything"
    assert not cited - set(known), f"cited but not in references.bib: {sorted(cited - set(known))}"


def test_every_chapter_links_at_least_three_other_chapters():
    """Cross-links: each numbered chapter names, with a {doc} link, at least three chapters it builds on or
    that build on it; the intro links every chapter (its map)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    numbered = [c["file"].split("/")[-1] for part in toc["parts"] if part.get("numbered") for c in part["chapters"]]
    link = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")
    for name in numbered:
        cells = json.loads((ROOT / "book" / f"{name}.ipynb").read_text())["cells"]
        linked = {m for c in cells if c["cell_type"] == "markdown" for m in link.findall("".join(c["source"]))}
        others = (linked & set(numbered)) - {name}
        assert len(others) >= 3, f"{name} links to {sorted(others)}: link at least three other chapters with {{doc}}"
    intro = set(link.findall((ROOT / "book" / "intro.md").read_text()))
    assert set(numbered) <= intro, f"the intro's map misses {sorted(set(numbered) - intro)}"
