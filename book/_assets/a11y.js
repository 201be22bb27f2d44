// Accessibility repairs of what the theme and the widget manager write (checked by axe-core in the
// website test):
// - the search button's visible text ("Search Ctrl+K") must be part of its accessible name, which the
//   theme's aria-label="Search" replaces: the name is taken from the text instead; the same for the
//   "Show code cell source" toggles of hidden cells, which myst-nb labels "Toggle hidden content";
// - a code block that scrolls sideways must be reachable by keyboard to be scrolled: it gets tabindex=0
//   (only those that scroll, at the current width);
// - a widget slider's handle must have a name: the slider's label.
function nameButtonsByTheirText() {
  for (const button of document.querySelectorAll(".search-button__button[aria-label], details > summary[aria-label]")) {
    if (button.textContent.trim()) button.removeAttribute("aria-label");
  }
}

function focusableScrollingCode() {
  for (const pre of document.querySelectorAll("div.highlight > pre, .cell_output pre, .output pre")) {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      if (!pre.hasAttribute("tabindex")) {
        pre.setAttribute("tabindex", "0");
        pre.setAttribute("role", "region");
        pre.setAttribute("aria-label", "code (scrolls sideways)");
      }
    } else if (pre.getAttribute("aria-label") === "code (scrolls sideways)") {
      pre.removeAttribute("tabindex");
      pre.removeAttribute("role");
      pre.removeAttribute("aria-label");
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

function onReady(run) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
}

onReady(() => {
  nameButtonsByTheirText();
  focusableScrollingCode();
  window.addEventListener("resize", focusableScrollingCode);
  nameWidgetSliders(document);
  // Widgets are drawn after the page loads: name their sliders as they appear.
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; nameWidgetSliders(document); });
  }).observe(document.body, { childList: true, subtree: true });
});
