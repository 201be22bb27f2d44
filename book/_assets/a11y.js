// Accessibility repairs of what the theme and the widget manager write (checked by axe-core in the
// website test):
// - the search button's visible text ("Search Ctrl+K") must be part of its accessible name, which the
//   theme's aria-label="Search" replaces: the name is taken from the text instead; the same for the
//   "Show code cell source" toggles of hidden cells, which myst-nb labels "Toggle hidden content";
// - a box that scrolls sideways (code, an output, displayed maths) must be reachable by keyboard to be
//   scrolled: it gets tabindex=0 (only those that scroll, at the current width);
// - a widget slider's handle must have a name: the slider's label;
// - the bibliography (sphinxcontrib-bibtex) is a role="list" whose entries carry the deprecated role
//   doc-biblioentry, so the list has no listitem: each entry becomes a listitem.
function nameButtonsByTheirText() {
  for (const button of document.querySelectorAll(".search-button__button[aria-label], details > summary[aria-label]")) {
    if (button.textContent.trim()) button.removeAttribute("aria-label");
  }
}

// Boxes that may scroll sideways (calclib.css): code, outputs, displayed maths.
const SCROLLING = "div.highlight > pre, .cell_output pre, .output.text_html, .output.text_plain, mjx-container[display]";
const SCROLL_LABEL = "scrolls sideways";

function keyboardScrollable() {
  for (const box of document.querySelectorAll(SCROLLING)) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    const marked = box.dataset.calclibScroll === "1";
    const tabindex = box.getAttribute("tabindex");
    if (scrolls && !marked && (tabindex === null || tabindex === "-1")) {   // -1: out of the tab order so far
      box.dataset.calclibTabindex = tabindex ?? "";
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", SCROLL_LABEL);
      box.dataset.calclibScroll = "1";
    } else if (!scrolls && marked) {
      if (box.dataset.calclibTabindex) box.setAttribute("tabindex", box.dataset.calclibTabindex);
      else box.removeAttribute("tabindex");
      delete box.dataset.calclibTabindex;
      if (box.getAttribute("role") === "region") box.removeAttribute("role");
      if (box.getAttribute("aria-label") === SCROLL_LABEL) box.removeAttribute("aria-label");
      delete box.dataset.calclibScroll;
    }
  }
}

function nameWidgetSliders(root) {
  for (const handle of root.querySelectorAll('[role="slider"]:not([aria-label]):not([aria-labelledby])')) {
    const widget = handle.closest(".widget-slider, .jupyter-widgets, .widget-inline-hbox");
    const label = widget && widget.querySelector(".widget-label, label");
    const name = label && (label.getAttribute("title") || label.textContent).trim();
    handle.setAttribute("aria-label", name || "slider");
  }
}

function bibliographyEntriesAsListItems() {
  for (const entry of document.querySelectorAll('.citation-list[role="list"] > .citation[role="doc-biblioentry"]')) {
    entry.setAttribute("role", "listitem");
  }
}

function onReady(run) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
}

onReady(() => {
  nameButtonsByTheirText();
  bibliographyEntriesAsListItems();
  keyboardScrollable();
  // Widths change when fonts and images arrive, maths is typeset, a hidden cell is opened, the window turns.
  window.addEventListener("load", () => { keyboardScrollable(); setTimeout(keyboardScrollable, 1000); });
  window.addEventListener("resize", keyboardScrollable);
  document.addEventListener("toggle", keyboardScrollable, true);                 // <details> (hidden cells)
  document.addEventListener("click", () => setTimeout(keyboardScrollable, 50), true);  // solutions open on click
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(keyboardScrollable);
  nameWidgetSliders(document);
  // Widgets are drawn after the page loads: name their sliders as they appear.
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; nameWidgetSliders(document); });
  }).observe(document.body, { childList: true, subtree: true });
});
