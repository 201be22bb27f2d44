// The widget manager (html-manager 1.0.x) typesets widget labels with MathJax 2's API,
// `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`; this site ships MathJax 3.
// Map that one call onto MathJax 3 once it has loaded (deferred scripts run before DOMContentLoaded,
// and the widget manager renders on "load").
document.addEventListener("DOMContentLoaded", function () {
  if (!window.MathJax || window.MathJax.Hub) return;
  window.MathJax.Hub = {
    Queue: function (command) {
      var element = command && command[2];
      var ready = MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise : Promise.resolve();
      return ready.then(function () { return element ? MathJax.typesetPromise([element]) : null; });
    }
  };
});
