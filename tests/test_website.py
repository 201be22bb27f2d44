"""The website test: build the book from scratch with warnings as errors, then open every page in
headless Chromium and check what a reader would see.

For every page: no request leaves localhost, no request fails, no console error; math is typeset by the
local MathJax; every plotly figure is drawn (and its sliders move); every solution dropdown opens; every
embedded widget is rendered.

Needs Debian's Chromium (``apt install chromium``) or ``CHROMIUM_PATH`` pointing at a Chromium binary;
without one the browser checks are skipped with that message (the build itself is still tested).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Pages Sphinx writes that are not chapters; they are still opened, but they hold no content to check.
SKIP_CONTENT_CHECKS = {"genindex.html", "search.html", "py-modindex.html", "prf-prf.html"}


def find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), shutil.which("chromium-browser"),
                  shutil.which("google-chrome")]
    return next((c for c in candidates if c and Path(c).exists()), None)


BUILD_WAIT_S = 40 * 60   # how long to wait for dev.py's background build


def wait_for_background_build(out: Path) -> tuple[int, str]:
    """The exit code and log of the build ``dev.py test`` started in ``out`` before the other tests."""
    done = out / "returncode"
    deadline = time.monotonic() + BUILD_WAIT_S
    while not done.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"dev.py's background book build in {out} did not finish in {BUILD_WAIT_S} s: "
                        f"see {out / 'build.log'}")
        time.sleep(1)
    return int(done.read_text()), (out / "build.log").read_text()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The whole book built into a fresh folder: every notebook executed, any warning an error. Under
    ``dev.py test`` the build was started before the other tests (``CALCLIB_SITE_BUILD``), so it ran beside
    them; run alone (``pytest tests/test_website.py``) the test builds the book itself."""
    if os.environ.get("CALCLIB_SITE_BUILD"):
        out = Path(os.environ["CALCLIB_SITE_BUILD"])
        returncode, log = wait_for_background_build(out)
    else:
        out = tmp_path_factory.mktemp("site")
        cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--path-output", str(out),
               "--all", "-W", "--keep-going"]
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        returncode, log = result.returncode, result.stdout + result.stderr
    assert returncode == 0, f"the book build failed (warnings are errors):\n{log[-6000:]}"
    html = out / "_build" / "html"
    assert (html / "index.html").exists(), "the build wrote no index.html"
    return html


def test_book_builds_without_warnings(built_site: Path) -> None:
    chapters = [p for p in (built_site / "book").glob("*.html")]
    assert chapters, "no chapter pages were written"


def _repository() -> tuple[str, str]:
    """(repository URL, branch) from _config.yml: the one place they are set."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/"), config["repository"].get("branch", "main")


def test_every_chapter_page_has_launch_and_repository_buttons(built_site: Path) -> None:
    """Binder (JupyterLab), Colab and the repository, each pointing at that chapter's notebook."""
    repo, branch = _repository()
    owner_repo = repo.removeprefix("https://github.com/")
    notebooks = sorted((ROOT / "book").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        page = (built_site / "book" / f"{notebook.stem}.html").read_text()
        links = set(re.findall(r'href="([^"]+)"', page))
        path = f"book/{notebook.name}"
        expected = {
            "Binder": f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{path}",
            "Colab": f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{path}",
            "repository": repo,
        }
        for name, url in expected.items():
            assert url in links, f"{notebook.stem}: no {name} button pointing at {url}"


def visible_text(html: str) -> str:
    """The prose of a page: its HTML without scripts, styles, code and maths (which may hold MyST-like text)."""
    html = re.sub(r"(?s)<(script|style|pre|code|textarea)\b.*?</\1>", " ", html)
    html = re.sub(r'(?s)<(span|div) class="math[^"]*">.*?</\1>', " ", html)
    html = re.sub(r'(?s)<dt class="sig[^"]*".*?</dt>', " ", html)        # API signatures: f(*args, **kw)
    html = re.sub(r"<strong>\*{1,2}\w+</strong>", " ", html)             # and their parameters: **layout
    return re.sub(r"<[^>]+>", " ", html)


RAW_MYST = ("**", "{py:", "{doc}", "{ref}", "{numref}", "{glue:", ":::", "```{")


def test_no_page_shows_raw_myst_markdown(built_site: Path) -> None:
    """Bold, roles, directives and maths are rendered everywhere, also in cell outputs (the labs overview)."""
    problems = []
    for page_path in all_pages(built_site):
        if "_modules" in page_path:
            continue
        text = visible_text((built_site / page_path).read_text())
        problems += [f"{page_path}: raw {raw!r} in the text" for raw in RAW_MYST if raw in text]
        problems += [f"{page_path}: {m[0]!r}: the reference already says what it is"
                     for m in re.finditer(r"\b(?:[Ff]igure|[Tt]able)\s+(?:Fig|Table)\.?\s+\d", text)]
    assert not problems, "\n".join(problems)


# Reprs a reader should not meet in a cell's output: numbers print as numbers, results as what they are
# (``array(`` as NumPy's repr starts, not ``np.array(`` in a message naming the function).
UNTIDY_OUTPUT = re.compile(r"np\.(?:float|int|uint|bool|complex)\w*\(|(?<![\w.])array\(|<IPython\.|<Figure size|<matplotlib\."
                           r"| object at 0x")


class _OutputText(HTMLParser):
    """Collects the text of each output of each cell (``div.cell_output > div.output``), noting whether it is
    a source listing (an HTML output holding highlighted code, as ``IPython.display.Code`` makes). Text in
    ``<code>`` is left out: an HTML output that shows code as code (``np.array([x[0], x[1]])``) means it."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "embed", "param", "track"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []          # open tags
        self.container: int | None = None   # depth of the open cell_output, if any
        self.outputs: list[dict] = []
        self.skip = 0                       # inside <style> or <script>

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append(tag)
        if "cell_output" in classes and self.container is None:
            self.container = len(self.stack)
        elif self.container is not None and tag == "div" and len(self.stack) == self.container + 1:
            self.outputs.append({"html": "text_html" in classes, "listing": False, "text": []})
        elif self.container is not None and "highlight" in classes and self.outputs:
            self.outputs[-1]["listing"] = True
        if tag in ("style", "script", "code"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in self.VOID or tag not in self.stack:
            return
        while self.stack and self.stack.pop() != tag:
            pass
        if tag in ("style", "script", "code"):
            self.skip = max(0, self.skip - 1)
        if self.container is not None and len(self.stack) < self.container:
            self.container = None

    def handle_data(self, data):
        if self.container is not None and self.outputs and not self.skip and len(self.stack) > self.container:
            self.outputs[-1]["text"].append(data)


def cell_outputs(html: str) -> list[str]:
    """The text of each cell output on a page, without the source listings shown as outputs."""
    parser = _OutputText()
    parser.feed(html)
    return ["".join(o["text"]) for o in parser.outputs if not (o["html"] and o["listing"])]


def test_cell_outputs_are_tidy(built_site: Path) -> None:
    problems = []
    for page_path in all_pages(built_site):
        for text in cell_outputs((built_site / page_path).read_text()):
            if match := UNTIDY_OUTPUT.search(text):
                start = max(0, match.start() - 40)
                problems.append(f"{page_path}: {match[0]!r} in an output: {text[start:match.end() + 60]!r}")
    assert not problems, "\n".join(problems)


def test_every_page_has_a_favicon_that_exists(built_site: Path) -> None:
    for page_path in all_pages(built_site):
        page = (built_site / page_path).read_text()
        if 'http-equiv="Refresh"' in page and "<body" not in page:
            continue                      # Jupyter Book's index.html: a redirect to the first page, no <head> links
        icon = re.search(r'<link rel="(?:shortcut )?icon" href="([^"]+)"', page)
        assert icon, f"{page_path}: no favicon (browsers then ask for /favicon.ico and get a 404)"
        assert (built_site / page_path).parent.joinpath(icon[1].split("?")[0]).resolve().exists(), page_path


def test_the_instructors_page_links_every_lab_and_typesets_its_goals(built_site: Path) -> None:
    import booktools.labs as labs

    page = (built_site / "book" / "instructors.html").read_text()
    assert 'class="math' in page and "mathjax" in page, "the learning goals' maths is not typeset"
    for path in labs.chapters(ROOT):
        if labs.exercises(json.loads(path.read_text())):
            assert f'href="{path.stem}.html"' in page, f"the instructors' page does not link the lab {path.stem}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    chromium = find_chromium()
    if chromium is None and os.environ.get("CI"):
        pytest.fail("CI must run the website test, but Chromium is missing: .ci/run installs it with apt")
    if chromium is None:
        pytest.skip("Chromium not found: install it (Debian/Ubuntu: `sudo apt-get install chromium`) or set "
                    "CHROMIUM_PATH to a Chromium binary to run the website test in a browser")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        # playwright gives every launch a new empty profile itself.
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def all_pages(site: Path) -> list[str]:
    # _static holds theme templates (webpack-macros.html), _sources the notebooks' sources: not pages.
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                   if not {"_sources", "_static"} & set(p.relative_to(site).parts))
    return pages


WIDTHS = (1280, 390)   # a laptop, and a phone (an iPhone 12–15 is 390 CSS pixels wide)
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_FAILS = ("critical", "serious")   # the impacts that fail the test; moderate and minor are reported


def check_page(browser, base: str, page_path: str, width: int = 1280) -> tuple[list[str], dict]:
    """Open one page at ``width`` CSS pixels; return its problems (empty when the page is right) and its
    measurements: load time, bytes transferred, axe-core violations by impact, sideways scroll."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    transferred: list[int] = []

    def on_request(request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("http", "ws")) and host not in {"127.0.0.1", "localhost"}:
            problems.append(f"request to an outside host: {request.url}")

    def on_finished(request) -> None:
        try:
            transferred.append(request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"])
        except Exception:  # a request that ended with the page
            pass

    def block_outside(route) -> None:
        route.abort()

    page.route(lambda url: urlparse(url).hostname not in {"127.0.0.1", "localhost", None}
               and url.startswith(("http", "ws")), block_outside)
    page.on("request", on_request)
    page.on("requestfinished", on_finished)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))

    start = time.perf_counter()
    page.goto(f"{base}/{page_path}", wait_until="load")
    load_ms = 1000 * (time.perf_counter() - start)
    page.wait_for_timeout(500)           # what loads on its own: a reader who opens the page and reads
    first_visit_bytes = sum(transferred)
    name = Path(page_path).name
    content = name not in SKIP_CONTENT_CHECKS and "_modules" not in page_path
    problems += draw_every_figure(page)  # figures load near the viewport: scroll to each (axe sees them all)
    problems += check_figure_layout(page)
    if content and width == WIDTHS[0]:   # (check_solutions leaves every solution open: draw what they hold)
        problems += check_math(page) + check_solutions(page) + draw_every_figure(page) + check_plotly(page)
        problems += check_widgets(page)
    elif content:
        problems += check_math(page)     # typeset before the page's width is measured
    page.wait_for_timeout(300)           # late console messages, widgets drawn, a11y.js's repairs
    impacts, axe_problems = run_axe(page)
    problems += axe_problems
    sideways, culprits = page.evaluate("""() => {
        const root = document.documentElement, width = root.clientWidth;
        const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
        const culprits = Array.from(document.querySelectorAll('body *')).filter(e => {
            const r = e.getBoundingClientRect();
            return r.right > width + 1 && r.width > 0 && getComputedStyle(e).position !== 'fixed' && !clipped(e);
        }).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                                (e.className && e.className.baseVal === undefined ? '.' + e.className.split(' ')[0] : ''));
        return [root.scrollWidth - width, culprits];
    }""")
    if sideways > 1:
        problems.append(f"the page scrolls sideways by {sideways}px at {width}px (e.g. {', '.join(culprits)})")
    context.close()
    row = {"page": page_path, "width": width, "load ms": round(load_ms), "MB": first_visit_bytes / 1e6,
           "sideways px": max(0, sideways), **impacts}
    return [f"{page_path} at {width}px: {p}" for p in problems], row


def run_axe(page) -> tuple[dict[str, int], list[str]]:
    """axe-core's violations on the page: the count per impact, and a problem for each critical or serious one."""
    page.add_script_tag(path=str(AXE))
    # Without CSS selectors for every node axe runs faster; the rules that fail are run again with them,
    # so that the message can say where.
    run = """async ([rules, selectors]) => (await axe.run(document, {resultTypes: ['violations'], selectors,
        ...(rules ? {runOnly: {type: 'rule', values: rules}} : {})})).violations.map(v =>
        [v.id, v.impact, v.help, v.nodes.length, selectors ? v.nodes.slice(0, 2).map(n => n.target.join(' ')) : []])"""
    violations = page.evaluate(run, [None, False])
    failing = [v[0] for v in violations if v[1] in AXE_FAILS]
    if failing:
        located = {v[0]: v for v in page.evaluate(run, [failing, True])}
        violations = [located.get(v[0], v) for v in violations]
    impacts = {impact: 0 for impact in ("critical", "serious", "moderate", "minor")}
    problems = []
    for rule, impact, help_text, count, targets in violations:
        impacts[impact] = impacts.get(impact, 0) + 1
        if impact in AXE_FAILS:
            problems.append(f"axe {impact} {rule} ({help_text}) on {count} element(s), e.g. {targets}")
    return impacts, problems


def check_math(page) -> list[str]:
    n_math = page.locator(".math, span.math, div.math").count()
    if n_math == 0:
        return []
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
    page.evaluate("() => MathJax.startup.promise")
    typeset = page.locator("mjx-container").count()
    raw = page.evaluate(
        "() => Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container'))"
        ".map(e => e.textContent.slice(0, 60))")
    problems = []
    if typeset == 0:
        problems.append(f"{n_math} math elements but nothing typeset by MathJax")
    if raw:
        problems.append(f"math left untypeset: {raw[:3]}")
    return problems


def draw_every_figure(page) -> list[str]:
    """Scroll to every plotly figure and widget in turn (lazy-figures.js draws them near the viewport) and
    wait until each is drawn; a figure inside a closed solution is drawn when the solution opens."""
    problems = page.evaluate("""async () => {
        const drawn = el => el.classList.contains('plotly-graph-div') ? el.hasAttribute('data-calclib-fitted')
                                                                       : el.querySelector('.jupyter-widgets, .widget-inline-hbox');
        const wait = async el => { for (let t = 0; t < 200 && !drawn(el); t++) await new Promise(r => setTimeout(r, 50)); };
        const out = [];
        const targets = [...document.querySelectorAll('.calclib-plotly .plotly-graph-div')].concat(
            [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')].map(s => s.parentElement));
        for (const el of targets) {
            if (!el.getClientRects().length) continue;      // inside a closed solution: drawn when it opens
            el.scrollIntoView({block: 'center'});
            await wait(el);
            if (!drawn(el)) out.push('a figure or widget near ' + (el.id || el.className) + ' was not drawn (and fitted to its width) within 10 s of scrolling to it');
        }
        window.scrollTo(0, 0);
        return out;
    }""")
    return problems


def check_figure_layout(page) -> list[str]:
    """Every drawn plotly figure: its title, legend, sliders and buttons lie inside the figure, side to
    side, and none of them covers another (checked at every width: plotly lays a figure out for its width)."""
    found = page.evaluate("""() => {
        const out = [];
        const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width}; };  // viewport px
        const overlap = (a, b) => Math.min(a.r, b.r) - Math.max(a.l, b.l) > 1 && Math.min(a.b, b.b) - Math.max(a.t, b.t) > 1;
        for (const gd of document.querySelectorAll('.calclib-plotly .plotly-graph-div')) {
            if (!gd.querySelector('.main-svg') || !gd.getClientRects().length) continue;
            const fig = box(gd);
            const parts = [];
            const add = (name, el) => { const b = box(el); if (b.w > 0) parts.push([name, b]); };
            gd.querySelectorAll('.infolayer .g-gtitle').forEach(e => add('the title', e));
            gd.querySelectorAll('.infolayer .legend').forEach(e => add('the legend', e));
            gd.querySelectorAll('.slider-container').forEach((e, i) => add('slider ' + i, e));
            gd.querySelectorAll('.updatemenu-container').forEach((e, i) => add('button row ' + i, e));
            for (const [name, b] of parts)
                if (b.l < fig.l - 1 || b.r > fig.r + 1)
                    out.push(`${gd.id}: ${name} runs past the figure's edge (${Math.round(b.l - fig.l)} to ${Math.round(b.r - fig.l)} px in a ${Math.round(fig.w)} px figure)`);
                else if (b.t < fig.t - 1 || b.b > fig.b + 1)
                    out.push(`${gd.id}: ${name} is cut by the figure's top or bottom (${Math.round(b.t - fig.t)} to ${Math.round(b.b - fig.t)} px in a ${Math.round(fig.b - fig.t)} px figure)`);
            for (let i = 0; i < parts.length; i++)
                for (let j = i + 1; j < parts.length; j++)
                    if (overlap(parts[i][1], parts[j][1])) out.push(`${gd.id}: ${parts[i][0]} and ${parts[j][0]} overlap`);
        }
        return out;
    }""")
    return [f"plotly figure {p}" for p in found]


def check_plotly(page) -> list[str]:
    n_figures = page.locator(".calclib-plotly").count()
    if n_figures == 0:
        return []
    page.wait_for_function(
        f"() => document.querySelectorAll('.calclib-plotly .plotly-graph-div .main-svg').length >= {n_figures}",
        timeout=30000)
    problems = []
    # Every trace is drawn as its own type: plotly draws a type its bundle lacks as a plain scatter, silently.
    for gd_id, wanted, drawn in page.evaluate("""() => Array.from(
            document.querySelectorAll('.calclib-plotly .plotly-graph-div')).flatMap(gd =>
            gd.data.map((trace, i) => [gd.id, trace.type || 'scatter', gd._fullData[i] && gd._fullData[i].type]))"""):
        if wanted != drawn:
            problems.append(f"plotly figure {gd_id}: a {wanted} trace drawn as {drawn} (not in the site's plotly.js)")
    # Move every slider to its last step and check that plotly registered the move.
    moved = page.evaluate("""async () => {
        const out = [];
        for (const gd of document.querySelectorAll('.calclib-plotly .plotly-graph-div')) {
            const sliders = (gd.layout && gd.layout.sliders) || [];
            for (let i = 0; i < sliders.length; i++) {
                const steps = sliders[i].steps || [];
                if (steps.length < 2) continue;
                const rail = gd.querySelectorAll('.slider-container .slider-rail-rect')[i];
                if (!rail) { out.push([gd.id, 'no slider drawn']); continue; }
                out.push([gd.id, 'rail', i, steps.length]);
            }
        }
        return out;
    }""")
    # Press Play on every animation, then Pause (or Play again): no page error may follow.
    buttons = page.locator(".calclib-plotly .updatemenu-button")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        button.scroll_into_view_if_needed()
        button.click()
        page.wait_for_timeout(150)
    for i in range(buttons.count() - 1, -1, -1):
        buttons.nth(i).click()
        page.wait_for_timeout(100)
    for entry in moved:
        if entry[1] == "no slider drawn":
            problems.append(f"plotly figure {entry[0]}: slider not drawn")
            continue
        _, _, index, n_steps = entry
        gd = page.locator(f"#{entry[0]}")
        rail = gd.locator(".slider-container .slider-rail-rect").nth(index)
        box = rail.bounding_box()
        if box is None:
            problems.append(f"plotly figure {entry[0]}: slider rail not visible")
            continue
        rail.scroll_into_view_if_needed()
        box = rail.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        active = page.evaluate(f"() => document.getElementById('{entry[0]}')._fullLayout.sliders[{index}].active")
        if active != n_steps - 1:
            problems.append(f"plotly figure {entry[0]}: clicking the end of slider {index} left it at step {active}")
    return problems


def check_solutions(page) -> list[str]:
    problems = []
    toggles = page.locator(".solution.dropdown button.toggle-button")
    for i in range(toggles.count()):
        toggle = toggles.nth(i)
        toggle.scroll_into_view_if_needed()
        toggle.click()
        page.wait_for_timeout(50)
        opened = toggle.evaluate("b => !b.closest('.dropdown').classList.contains('toggle-hidden')")
        if not opened:
            problems.append(f"solution dropdown {i} did not open")
    # A click on the title's words (not on the button) opens a closed solution too.
    titles = page.locator(".solution.dropdown > .admonition-title")
    for i in range(titles.count()):
        title = titles.nth(i)
        dropdown = title.locator("xpath=..")
        if not dropdown.evaluate("d => d.classList.contains('toggle-hidden')"):
            toggles.nth(i).click()       # close it first
            page.wait_for_timeout(50)
        before = page.url
        title.locator(":scope > :not(button)").first.click()   # the words (a link, before the fix)
        page.wait_for_timeout(50)
        if dropdown.evaluate("d => d.classList.contains('toggle-hidden')") or page.url != before:
            problems.append(f"clicking the words of solution {i}'s title did not open it (or left the page)")
    n_solutions = page.locator(".solution.dropdown").count()
    if n_solutions != toggles.count():
        problems.append(f"{n_solutions} solutions but {toggles.count()} toggle buttons")
    return problems


def check_widgets(page) -> list[str]:
    n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    if n_views == 0:
        return []
    try:
        page.wait_for_function(f"() => document.querySelectorAll('.jupyter-widgets, .widget-inline-hbox')"
                               f".length >= {n_views}", timeout=15000)
    except Exception:
        return [f"{n_views} widgets embedded but not rendered"]
    return []


# Pages are checked in this many browsers side by side, so that both cores are busy: one browser leaves a
# core idle while it waits (for the load, for figures to draw, for late console messages), and the checks
# themselves (axe-core above all) are CPU work.
WEBSITE_BROWSERS = int(os.environ.get("WEBSITE_BROWSERS", "3"))


def check_pages(browser, base: str, jobs: "queue.Queue[tuple[str, int]]", results: list) -> None:
    """Take (page, width) jobs off the queue until it is empty; append each page's (problems, row)."""
    while True:
        try:
            page_path, width = jobs.get_nowait()
        except queue.Empty:
            return
        try:
            results.append(check_page(browser, base, page_path, width))
        except Exception as exc:   # a crash of one page is that page's problem, not the end of the test
            results.append(([f"{page_path} at {width}px: the check crashed: {exc!r}"],
                            {"page": page_path, "width": width, "load ms": 0, "MB": 0.0, "sideways px": 0,
                             "critical": 0, "serious": 0, "moderate": 0, "minor": 0}))


def check_pages_in_own_browser(base: str, jobs: "queue.Queue[tuple[str, int]]", results: list) -> None:
    """:func:`check_pages` in a browser of this thread's own (playwright's sync API is per thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
        try:
            check_pages(browser, base, jobs, results)
        finally:
            browser.close()


def test_every_page_in_chromium(browser, site_url: str, built_site: Path) -> None:
    """Every page at a laptop's and a phone's width: content checks, axe-core, no sideways scroll. Prints
    one row per page and width: load time, MB transferred on a first visit, axe violations, sideways px."""
    pages = all_pages(built_site)
    started = time.perf_counter()
    # The chapters first (they take longest), so that the browsers finish together.
    order = sorted(pages, key=lambda p: (not p.startswith("book/"), -(built_site / p).stat().st_size))
    jobs: queue.Queue[tuple[str, int]] = queue.Queue()
    for page_path in order:
        for width in WIDTHS:
            jobs.put((page_path, width))
    results: list = []
    helpers = [threading.Thread(target=check_pages_in_own_browser, args=(site_url, jobs, results))
               for _ in range(WEBSITE_BROWSERS - 1)]
    for thread in helpers:
        thread.start()
    check_pages(browser, site_url, jobs, results)   # this thread's browser takes jobs too
    for thread in helpers:
        thread.join()
    assert len(results) == 2 * len(pages), f"{2 * len(pages) - len(results)} page checks did not run"
    results.sort(key=lambda r: (r[1]["page"], -r[1]["width"]))
    problems = [p for found, _ in results for p in found]
    rows = [row for _, row in results]
    lines = [f"website test: {len(pages)} pages opened in Chromium at {' and '.join(map(str, WIDTHS))} px, "
             f"{WEBSITE_BROWSERS} browsers side by side, in {time.perf_counter() - started:.0f} s",
             f"{'page':44} {'width':>5} {'load ms':>8} {'MB':>6} {'critical':>8} {'serious':>7} {'moderate':>8} "
             f"{'minor':>5} {'sideways':>8}"]
    for r in rows:
        lines.append(f"{r['page']:44} {r['width']:5} {r['load ms']:8} {r['MB']:6.2f} {r['critical']:8} "
                     f"{r['serious']:7} {r['moderate']:8} {r['minor']:5} {r['sideways px']:8}")
    chapters = [r["MB"] for r in rows if r["width"] == WIDTHS[0] and r["page"].startswith("book/")
                and Path(r["page"]).stem in {p.stem for p in (ROOT / "book").glob("*.ipynb")}]
    lines.append(f"median chapter page: {statistics.median(chapters):.2f} MB transferred on a first visit")
    report = "\n".join(lines) + "\n"
    print("\n" + report, end="")
    if os.environ.get("CALCLIB_SITE_BUILD"):   # dev.py test shows it at the end
        (Path(os.environ["CALCLIB_SITE_BUILD"]) / "website.txt").write_text(report)
    assert not problems, "\n".join(problems)


def test_search_finds_chapters_and_quotes_them_as_plain_text(browser, site_url: str) -> None:
    """Search works offline, and its snippets read as text: maths without TeX, no raw Markdown."""
    page = browser.new_page()
    page.goto(f"{site_url}/search.html?q=tangent", wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('#search-results li p, #search-results li .context')"
                           ".length >= 3", timeout=20000)
    snippets = page.locator("#search-results li").all_inner_texts()
    page.close()
    assert len(snippets) >= 3, snippets
    for snippet in snippets:
        raw = re.search(r"\\[A-Za-z]+|\\\(|\$|\*\*|\{(?:py:|doc\}|ref\})", snippet)
        assert raw is None, f"raw TeX or Markdown {raw[0]!r} in a search snippet: {snippet[:200]!r}"

