// Builds the book's plotly.js bundle: plotly.js's core with only the trace types the figures of
// calclib.plotting and the chapters use, as plotly.js's own custom-bundle task does (same esbuild settings,
// from plotly.js's esbuild-config.js). The full plotly.min.js is 4.8 MB; this one is about 1.8 MB.
//
//     cd booktools/plotly-bundle && npm install && node build.js
//
// The version must be the plotly.js that the Python plotly of requirements.txt writes figures for
// (tests/test_website.py checks both, and that every trace type the book draws is in TRACES).
const fs = require("fs");
const path = require("path");
const esbuild = require("esbuild");
const { glsl } = require("esbuild-plugin-glsl");
const InlineCSSPlugin = require("esbuild-plugin-inline-css");
const { environmentPlugin } = require("esbuild-plugin-environment");

const TRACES = ["scatter", "contour", "surface", "scatter3d"];
const version = require("plotly.js/package.json").version;
const out = path.join(__dirname, "..", "..", "book", "_assets", "plotly");
const entry = path.join(__dirname, "entry.js");
fs.writeFileSync(entry, "var Plotly = require('plotly.js/lib/core');\n" +
  `Plotly.register([${TRACES.filter((t) => t !== "scatter").map((t) => `require('plotly.js/lib/${t}')`).join(", ")}]);\n` +
  "module.exports = Plotly;\n");

esbuild.build({
  entryPoints: [entry], outfile: path.join(out, "plotly-calclib.min.js"), format: "iife", globalName: "Plotly",
  bundle: true, minify: true, target: "es2016", logLevel: "warning",
  banner: { js: `/* plotly.js v${version} (MIT, https://github.com/plotly/plotly.js), traces: ${TRACES.join(", ")};` +
                  " built by booktools/plotly-bundle/build.js */" },
  plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
  alias: { regl: "@plotly/regl", stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false" },
}).then(() => {
  fs.writeFileSync(path.join(out, "bundle.json"), JSON.stringify({ "plotly.js": version, traces: TRACES }, null, 1) + "\n");
  fs.unlinkSync(entry);
  console.log(`wrote ${out}: plotly.js ${version} with ${TRACES.join(", ")}`);
});
