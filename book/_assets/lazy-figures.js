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
        .then(function (gd) {
          return Promise.resolve(fig.frames && fig.frames.length ? Plotly.addFrames(gd, fig.frames) : null)
            .then(function () { return fit(gd); });
        });
    });
  }

  // A figure is laid out once, in Python, for no width in particular. Fit it to the width it is drawn at:
  // a title wider than the figure is wrapped into shorter lines, a legend or control that covers another
  // is moved away from it, a slider is shortened and a row of buttons becomes a menu when they run past
  // the figure's edge. Each round measures what plotly drew and corrects it; a resize starts again from
  // the figure's own layout. When it is done, the figure's div gets data-calclib-fitted.
  var FITTED = ["title.text", "title.yref", "title.y", "title.yanchor", "title.pad.t", "margin.t", "margin.b", "legend.x", "legend.xanchor", "legend.y", "legend.yanchor"];
  function box(el) { var r = el.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height}; }
  function overlap(a, b) { return Math.min(a.b, b.b) - Math.max(a.t, b.t) > 1 && Math.min(a.r, b.r) - Math.max(a.l, b.l) > 1 ? Math.min(a.b, b.b) - Math.max(a.t, b.t) : 0; }
  function wrap(text, width) {
    var lines = [], line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) lines.push(line);
    return lines.join("<br>");
  }
  function get(obj, path) { return path.split(/[.\[\]]+/).filter(Boolean).reduce(function (o, k) { return o == null ? o : o[k]; }, obj); }

  function fit(gd) {
    var full = gd._fullLayout, sliders = full.sliders || [], menus = full.updatemenus || [];
    if (!gd._calclibOriginal) {
      var keep = FITTED.slice();
      sliders.forEach(function (s, i) { keep.push("sliders[" + i + "].len", "sliders[" + i + "].pad.t"); });
      menus.forEach(function (m, i) { keep.push("updatemenus[" + i + "].type", "updatemenus[" + i + "].direction"); });
      gd._calclibOriginal = {};
      keep.forEach(function (k) { var v = get(full, k); gd._calclibOriginal[k] = v === undefined ? null : v; });
    }
    var round = 0;
    function step() {
      var fig = box(gd), update = {}, lay = gd._fullLayout;
      var title = gd.querySelector(".infolayer .g-gtitle"), legend = gd.querySelector(".infolayer .legend");
      var t = title && box(title).w > 0 ? box(title) : null, g = legend && box(legend).w > 0 ? box(legend) : null;
      var marginT = lay.margin.t, marginB = lay.margin.b;
      if (t && t.r > fig.r - 2 && lay.title && lay.title.text) {
        var text = lay.title.text.replace(/<br\s*\/?>/gi, " "), longest = 0;
        lay.title.text.split(/<br\s*\/?>/i).forEach(function (l) { longest = Math.max(longest, l.length); });
        var width = Math.max(12, Math.floor(longest * (fig.r - t.l - 8) / t.w) - 1);
        var wrapped = wrap(text, width), added = wrapped.split("<br>").length - lay.title.text.split(/<br\s*\/?>/i).length;
        update["title.text"] = wrapped;
        marginT += Math.max(0, added) * 1.3 * ((lay.title.font && lay.title.font.size) || 14);
      }
      var pinned = lay.title.yref === "container" && lay.title.y === 1 && lay.title.yanchor === "top";
      if (t && !pinned && (update["title.text"] || g && overlap(t, g) || t.t < fig.t || gd.querySelector(".updatemenu-container"))) {
        // a title placed on the plot moves with it: pin it to the top of the figure, so margins can part them
        update["title.yref"] = "container"; update["title.y"] = 1; update["title.yanchor"] = "top"; update["title.pad.t"] = 8;
      } else if (t && t.t < fig.t + 1) {
        update["title.pad.t"] = ((lay.title.pad && lay.title.pad.t) || 0) + Math.ceil(fig.t + 4 - t.t);  // (a wrapped title rises)
      } else if (t && g && overlap(t, g)) marginT += overlap(t, g) + 6;
      var controls = [];
      gd.querySelectorAll(".updatemenu-container").forEach(function (el, i) {
        var b = box(el);
        if (b.w > 0 && b.r > fig.r + 1 && menus[i] && menus[i].type !== "dropdown") {
          // (drawn again from scratch: plotly leaves the old buttons drawn when a menu's type changes)
          update.updatemenus = (update.updatemenus || gd.layout.updatemenus).map(function (m, j) {
            return j === i ? Object.assign({}, m, {type: "dropdown", direction: "down"}) : m;
          });
        }
        if (b.w > 0 && t && overlap(t, b)) marginT += overlap(t, b) + 6;
        if (b.w > 0) controls.push(b);
      });
      var sliderBoxes = [];
      gd.querySelectorAll(".slider-container").forEach(function (el) { var b = box(el); if (b.w > 0) sliderBoxes.push(b); });
      if (g && lay.legend.yanchor !== "bottom" && controls.concat(sliderBoxes).some(function (c) { return overlap(c, g); })) {
        // a legend under the plot that meets the controls goes above the plot, under the title
        if (t && !pinned) { update["title.yref"] = "container"; update["title.y"] = 1; update["title.yanchor"] = "top"; update["title.pad.t"] = 8; }
        update["legend.x"] = 0; update["legend.xanchor"] = "left"; update["legend.y"] = 1.02; update["legend.yanchor"] = "bottom";
        marginT += g.h + 6; g = null;
      }
      if (g) controls.push(g);
      var pushed = 0;
      gd.querySelectorAll(".slider-container").forEach(function (el, i) {
        var b = box(el), s = sliders[i];
        if (!s || b.w === 0) return;
        if (b.r > fig.r + 1) update["sliders[" + i + "].len"] = Math.max(0.3, s.len * (fig.r - b.l - 4) / b.w);
        var down = 0;
        controls.forEach(function (c) { down = Math.max(down, overlap(c, b)); });
        if (down) { update["sliders[" + i + "].pad.t"] = s.pad.t + pushed + down + 8; pushed += down + 8; }
        else if (pushed) update["sliders[" + i + "].pad.t"] = s.pad.t + pushed;
        controls.push(b);
      });
      if (pushed) marginB += pushed;
      var lowest = controls.reduce(function (m, c) { return Math.max(m, c.b); }, -Infinity);
      if (lowest > fig.b - 2) marginB += lowest - fig.b + 6;   // controls cut by the figure's bottom: lift the plot
      if (marginT !== lay.margin.t) update["margin.t"] = Math.ceil(marginT);
      if (marginB !== lay.margin.b) update["margin.b"] = Math.ceil(marginB);
      if (!Object.keys(update).length || ++round > 4) { gd.setAttribute("data-calclib-fitted", ""); return null; }
      if (update.updatemenus) gd.querySelectorAll(".updatemenu-container").forEach(function (el) { el.remove(); });
      return Plotly.relayout(gd, update).then(step);
    }
    return step();
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      document.querySelectorAll(".plotly-graph-div[data-calclib-fitted]").forEach(function (gd) {
        if (!gd._calclibOriginal || !gd.getClientRects().length) return;
        gd.removeAttribute("data-calclib-fitted");
        Plotly.relayout(gd, gd._calclibOriginal).then(function () { return fit(gd); });
      });
    }, 250);
  });

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
