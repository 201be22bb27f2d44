// Search results quote a snippet of each page. Sphinx cuts it from the page's HTML, where maths is still
// TeX (MathJax typesets it only in the browser), so snippets read "\(\dot v_i = \partial v_i / \partial x_j\)".
// Here each maths element becomes plain text first: "v_i = ∂v_i / ∂x_j".
const TEX_SYMBOLS = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", eta: "η", theta: "θ",
  lambda: "λ", mu: "μ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", omega: "ω",
  Delta: "Δ", Gamma: "Γ", Lambda: "Λ", Sigma: "Σ", Omega: "Ω", nabla: "∇", partial: "∂", infty: "∞",
  cdot: "·", times: "×", to: "→", rightarrow: "→", mapsto: "↦", le: "≤", leq: "≤", ge: "≥", geq: "≥",
  approx: "≈", ne: "≠", neq: "≠", pm: "±", sum: "Σ", prod: "Π", int: "∫", sqrt: "√", in: "∈", circ: "∘",
  ldots: "…", dots: "…", cdots: "⋯", top: "ᵀ", lVert: "‖", rVert: "‖", Vert: "‖", quad: " ", qquad: " ",
};

const ACCENTS = { dot: "\u0307", ddot: "\u0308", bar: "\u0304", hat: "\u0302", tilde: "\u0303" };
const grouped = (part) => (/^[\w.]+$/.test(part.trim()) ? part.trim() : `(${part.trim()})`);

function texToText(tex) {
  return tex
    .replace(/^\\\(|\\\)$|^\\\[|\\\]$|^\$+|\$+$/g, "")
    .replace(/\\[td]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, (m, top, bottom) => `${grouped(top)}/${grouped(bottom)}`)
    .replace(/\\(dot|ddot|bar|hat|tilde)(?![A-Za-z])\s*\{?\s*([A-Za-z])\}?/g, (m, accent, letter) => letter + ACCENTS[accent])
    .replace(/\\(?:left|right|big|Big|bigg|displaystyle|textstyle)\b/g, "")
    .replace(/\\[,;:! ]/g, " ")
    .replace(/\\([A-Za-z]+)/g, (match, name) => TEX_SYMBOLS[name] ?? (/^(mathbf|mathrm|text|operatorname|dot|ddot|hat|bar|tilde|vec|boldsymbol|mathcal)$/.test(name) ? "" : name))
    .replace(/[{}]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;   // only the search page has Search
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".math").forEach((el) => { el.textContent = texToText(el.textContent); });
    return htmlToText(doc.documentElement.outerHTML, anchor);
  };
});
