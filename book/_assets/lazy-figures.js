// Interactive figures load their libraries only when a reader comes near them.
//
// plotly.js (1.8 MB) and the widget manager (1.9 MB) are most of a chapter page's weight, and most readers
// never scroll to most figures. A plotly figure on the page registers itself in window.calclibFigures
// (booktools.sphinx_ext writes that script); a widget is a <script type="application/vnd.jupyter.widget-view+json">.
// When one comes within about a screen of the viewport (or the reader prints, or opens a solution that holds
// it), the library is fetched once from this site's _static folder and the figure is drawn.
(function () {
  "use strict";
  if (window.calclibLazyFigures) return;   // a page with plotly figures and widgets lists this script twice
  window.calclibLazyFigures = true;
  var here = document.currentScript && document.currentScript.src;
  var base = here ? here.slice(0, here.lastIndexOf("/") + 1) : "_static/";
  var loading = {};

  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base + path;
        s.onload = resolve;
        s.onerror = function () { reject(new Error("could not load " + s.src)); };
        document.head.appendChild(s);
      });
    }
    return loading[path];
  }

  // Pausing an animation interrupts plotly's animate(), which rejects its promise with no reason and
  // nothing to catch it: that is expected, not an error.
  window.addEventListener("unhandledrejection", function (e) { if (e.reason === undefined) e.preventDefault(); });

  function drawPlotly(entry) {
    if (entry.drawn) return;
    entry.drawn = true;
    load("plotly/plotly-calclib.min.js").then(function () {
      var fig = entry.fig;
      return Plotly.newPlot(entry.id, fig.data, fig.layout, {responsive: true, displaylogo: false})
        .then(function (gd) { if (fig.frames && fig.frames.length) return Plotly.addFrames(gd, fig.frames); });
    });
  }

  // The widget manager renders every widget of the page on the window's "load" event, which has already
  // happened when it arrives late: its "load" listener is caught while it loads, and called.
  function drawWidgets() {
    if (loading["widgets/embed.js"]) return;
    if (window.MathJax && !window.MathJax.Hub) {    // it typesets labels with MathJax 2's API: map it onto 3
      window.MathJax.Hub = {Queue: function (command) {
        var element = command && command[2];
        var ready = MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise : Promise.resolve();
        return ready.then(function () { return element ? MathJax.typesetPromise([element]) : null; });
      }};
    }
    var listen = window.addEventListener, caught = [];
    window.addEventListener = function (type, fn, options) {
      if (type === "load") caught.push(fn); else listen.call(window, type, fn, options);
    };
    load("widgets/embed.js").then(function () {
      window.addEventListener = listen;
      caught.forEach(function (fn) { fn(new Event("load")); });
    }, function () { window.addEventListener = listen; });
  }

  function start() {
    var targets = [];
    (window.calclibFigures || []).forEach(function (entry) {
      var el = document.getElementById(entry.id);
      if (el) targets.push([el, function () { drawPlotly(entry); }]);
    });
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').forEach(function (s) {
      if (s.parentElement) targets.push([s.parentElement, drawWidgets]);
    });
    if (!targets.length) return;
    var drawAll = function () { targets.forEach(function (t) { t[1](); }); };
    window.addEventListener("beforeprint", drawAll);
    if (!("IntersectionObserver" in window)) { drawAll(); return; }
    var actions = new Map(targets);
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (e.isIntersecting) { observer.unobserve(e.target); actions.get(e.target)(); }
      });
    }, {rootMargin: "100% 0px"});
    targets.forEach(function (t) { observer.observe(t[0]); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
