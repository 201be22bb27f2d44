"""What the book's website needs that myst-nb lacks: plotly figures drawn by a local plotly.js.

Under a plain kernel (the book build, nbval) plotly >= 6 emits only the mime type
``application/vnd.plotly.v1+json``, which myst-nb does not render. Two pieces fix that:

* :class:`PlotlyMimeRenderer`, a myst-nb mime renderer plugin (entry point group
  ``myst_nb.mime_renderers`` in ``booktools/pyproject.toml``), turns the JSON into a ``<div>`` and a call to
  ``Plotly.newPlot`` (plus ``Plotly.addFrames`` for animations), and asks for ``lazy-figures.js``, which
  fetches the site's own plotly.js when a reader comes near a figure, on that page only:
  ``book/_assets/plotly/plotly-calclib.min.js``, a bundle of plotly.js with only the trace
  types the book draws (1.8 MB instead of 4.8; built by ``booktools/plotly-bundle/build.js``), so no page
  loads anything from a CDN;
* :func:`setup`, a Sphinx extension (listed in ``_config.yml``), publishes the labs, and takes the theme's
  ``fontawesome.js`` out of every page (1.5 MB; the theme's CSS draws its icons from web fonts).

The extension also publishes the labs (:mod:`booktools.labs`): it writes every chapter's student notebook
into ``labs/student/`` of the site and puts a box under each chapter's title linking to it (download,
and Binder, where ``postBuild`` writes the same notebooks).
"""

from __future__ import annotations

import html
import json
import re
import uuid
from pathlib import Path
from typing import Any

from docutils import nodes

PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLOTLY_JS = "plotly/plotly-calclib.min.js"  # relative to _static (copied there from book/_assets)
LAZY_JS = "lazy-figures.js"                  # loads PLOTLY_JS (and the widget manager) near a figure


def _alt_text(figure: dict) -> str:
    """Alt text of a figure: ``layout.meta.alt`` if set, else its title, else a generic label."""
    layout = figure.get("layout") or {}
    meta = layout.get("meta")
    if isinstance(meta, dict) and meta.get("alt"):
        return str(meta["alt"])
    title = layout.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    return str(title) if title else "Interactive plotly figure"


def plotly_figure_html(figure: dict, div_id: str | None = None) -> str:
    """HTML that draws ``figure`` (plotly's JSON: data, layout, frames) with a page-level plotly.js.

    The script only registers the figure in ``window.calclibFigures``: ``lazy-figures.js`` (in
    ``book/_assets``) loads plotly.js and draws the figure, animation frames included, when a reader comes
    near it.
    """
    div_id = div_id or f"plotly-{uuid.uuid4().hex[:12]}"
    layout = figure.get("layout") or {}
    height = layout.get("height") or 450
    payload = json.dumps(
        {"data": figure.get("data", []), "layout": layout, "frames": figure.get("frames", [])},
        separators=(",", ":"),
    ).replace("</", "<\\/")
    alt = html.escape(_alt_text(figure), quote=True)
    return f"""<div class="calclib-plotly" role="figure" aria-label="{alt}">
<div id="{div_id}" class="plotly-graph-div" style="height:{int(height)}px; width:100%;"></div>
</div>
<script type="text/javascript">
(window.calclibFigures = window.calclibFigures || []).push({{id: "{div_id}", fig: {payload}}});
</script>"""


class PlotlyMimeRenderer:
    """myst-nb mime renderer plugin for ``application/vnd.plotly.v1+json`` (HTML builders only)."""

    # Prefer plotly's JSON over any other representation of the same output on HTML pages.
    mime_priority_overrides = [(builder, PLOTLY_MIME, 1) for builder in ("html", "dirhtml", "singlehtml")]

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != PLOTLY_MIME:
            return None
        figure = data.content
        if isinstance(figure, (str, bytes)):
            figure = json.loads(figure)
        renderer.add_js_file("lazy-figures", LAZY_JS, {})
        return [nodes.raw("", plotly_figure_html(figure), format="html", classes=["output", "plotly"])]


def _lab_chapters(app: Any) -> dict[str, str]:
    """docname -> chapter stem, for the chapters that have exercises."""
    from . import labs

    if not hasattr(app.env, "calclib_labs"):
        root = Path(app.srcdir)
        found = {}
        for path in labs.chapters(root):
            if labs.exercises(json.loads(path.read_text())):
                found[str(path.relative_to(root).with_suffix(""))] = path.stem
        app.env.calclib_labs = found
    return app.env.calclib_labs


def _binder_url(app: Any, stem: str) -> str | None:
    options = app.config.html_theme_options or {}
    repo = options.get("repository_url", "")
    binder = (options.get("launch_buttons") or {}).get("binderhub_url", "")
    if not (repo.startswith("https://github.com/") and binder):
        return None
    owner_repo = repo.removeprefix("https://github.com/").strip("/")
    branch = options.get("repository_branch", "main")
    return f"{binder.rstrip('/')}/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/_build/labs/student/{stem}.ipynb"


def _add_lab_links(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Under a chapter's title: links to its student notebook (download and Binder)."""
    stem = _lab_chapters(app).get(pagename)
    body = context.get("body", "")
    if stem is None or "</h1>" not in body:
        return
    depth = pagename.count("/")
    href = "../" * depth + f"labs/student/{stem}.ipynb"
    binder = _binder_url(app, stem)
    links = f'<a href="{href}" download>download the student notebook</a>'
    if binder:
        links += f' or <a href="{binder}">open it in Binder</a>'
    box = (f'<div class="admonition tip calclib-lab"><p class="admonition-title">Lab</p><p>This chapter is a lab: '
           f'{links}. Its exercises come with self-checks; the solutions are removed.</p></div>')
    head, tail = body.split("</h1>", 1)
    context["body"] = head + "</h1>" + box + tail


def _write_student_notebooks(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    from . import labs

    root = Path(app.srcdir)
    notebooks = [root / f"{doc}.ipynb" for doc in _lab_chapters(app)]
    out = Path(app.builder.outdir) / "labs"
    # the numbers the student notebooks quote come from this build's executed copies (_build/jupyter_execute)
    labs.write_labs(out, notebooks, keys=False, build_dir=Path(app.builder.outdir).parent)  # keys stay private


FONTAWESOME_JS = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')


def _drop_fontawesome_js(app: Any, exception: Exception | None) -> None:
    """Take the theme's fontawesome.js (1.5 MB on every page) out of the site.

    The theme loads it only "so that users can add custom icons" (its comment) by turning ``<i class="fa-…">``
    into SVG; the theme's own CSS already draws every icon it uses from Font Awesome's web fonts
    (``pydata-sphinx-theme.css``), and the book adds no custom icon.
    """
    if exception is not None or app.builder is None or app.builder.format != "html":
        return
    out = Path(app.builder.outdir)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "fontawesome.js" in text:
            page.write_text(FONTAWESOME_JS.sub("", text), encoding="utf-8")
    for leftover in (out / "_static" / "scripts").glob("fontawesome.js*"):
        leftover.unlink()


def setup(app: Any) -> dict[str, Any]:
    """Sphinx extension entry point: publish the labs, and leave the theme's fontawesome.js out."""
    app.connect("build-finished", _write_student_notebooks)
    app.connect("build-finished", _drop_fontawesome_js)
    app.connect("html-page-context", _add_lab_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
