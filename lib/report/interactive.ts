/**
 * What makes the charts explorable in a browser: a tooltip that shows a mark's request (the SVG `<title>` every mark
 * carries — without script, browsers show that title themselves), and zoom (mouse wheel, around the pointer), pan (drag)
 * and reset (double-click) on every chart. Inline, nothing fetched; one copy per page is enough (it listens on the
 * document, so charts added later — notebook cells — work too), and a second copy does nothing.
 * @module
 */

/** The script, as a `<script>` element to put once in a page or a notebook output. */
export const INTERACTIVE_SCRIPT = `<script>(() => {
if (window.__llmBenchCharts) return; window.__llmBenchCharts = true;
const css = document.createElement("style");
css.textContent = ".llm-bench-tip{position:fixed;z-index:1000;pointer-events:none;background:#222;color:#fff;font:12px/1.35 system-ui,sans-serif;padding:6px 8px;border-radius:4px;white-space:pre;max-width:420px;box-shadow:0 2px 6px rgba(0,0,0,.3)}" +
  "figure.llm-bench-chart > svg[viewBox]{cursor:grab;touch-action:none} figure.llm-bench-chart > svg.dragging{cursor:grabbing}" +
  ".llm-bench-hint{font-size:11px;color:#777;margin:2px 0 6px}";
document.head.appendChild(css);
const tip = document.createElement("div"); tip.className = "llm-bench-tip"; tip.style.display = "none";
document.addEventListener("DOMContentLoaded", () => document.body.appendChild(tip));
if (document.body) document.body.appendChild(tip);
const chartOf = (el) => el && el.closest && el.closest("figure.llm-bench-chart > svg[viewBox]");
const titled = (el) => { for (let n = el; n && n.tagName; n = n.parentNode) { const t = n.querySelector && n.querySelector(":scope > title"); if (t) return t; if (n.tagName.toLowerCase() === "svg") break; } return null; };
document.addEventListener("mouseover", (e) => {
  const t = chartOf(e.target) && titled(e.target);
  if (!t) { tip.style.display = "none"; return; }
  tip.textContent = t.textContent; tip.style.display = "block";
});
document.addEventListener("mousemove", (e) => {
  if (tip.style.display === "none") return;
  const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
  const y = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
  tip.style.left = x + "px"; tip.style.top = y + "px";
});
const box = (svg) => {
  if (!svg.__home) { const v = svg.viewBox.baseVal; svg.__home = [v.x, v.y, v.width, v.height]; }
  const v = svg.viewBox.baseVal; return [v.x, v.y, v.width, v.height];
};
const set = (svg, b) => svg.setAttribute("viewBox", b.map((n) => +n.toFixed(2)).join(" "));
const point = (svg, e) => { const r = svg.getBoundingClientRect(); const b = box(svg);
  return [b[0] + (e.clientX - r.left) / r.width * b[2], b[1] + (e.clientY - r.top) / r.height * b[3]]; };
document.addEventListener("wheel", (e) => {
  const svg = chartOf(e.target); if (!svg || !svg.viewBox || !svg.viewBox.baseVal) return;
  e.preventDefault();
  const b = box(svg); const [px, py] = point(svg, e); const k = e.deltaY < 0 ? 0.8 : 1.25;
  const home = svg.__home; const w = Math.min(home[2], b[2] * k), h = Math.min(home[3], b[3] * k);
  set(svg, [px - (px - b[0]) * (w / b[2]), py - (py - b[1]) * (h / b[3]), w, h]);
}, { passive: false });
let drag = null;
document.addEventListener("pointerdown", (e) => {
  const svg = chartOf(e.target); if (!svg || e.button !== 0) return;
  drag = { svg, x: e.clientX, y: e.clientY, b: box(svg) }; svg.classList.add("dragging");
});
document.addEventListener("pointermove", (e) => {
  if (!drag) return; const r = drag.svg.getBoundingClientRect();
  const dx = (e.clientX - drag.x) / r.width * drag.b[2], dy = (e.clientY - drag.y) / r.height * drag.b[3];
  set(drag.svg, [drag.b[0] - dx, drag.b[1] - dy, drag.b[2], drag.b[3]]);
});
document.addEventListener("pointerup", () => { if (drag) drag.svg.classList.remove("dragging"); drag = null; });
document.addEventListener("dblclick", (e) => { const svg = chartOf(e.target); if (svg && svg.__home) set(svg, svg.__home); });
const hint = () => document.querySelectorAll(".charts").forEach((c) => {
  if (c.previousElementSibling && c.previousElementSibling.classList.contains("llm-bench-hint")) return;
  const p = document.createElement("p"); p.className = "llm-bench-hint";
  p.textContent = "Hover a mark to see its request · mouse wheel to zoom · drag to pan · double-click to reset";
  c.parentNode.insertBefore(p, c);
});
let queued = false;
const later = () => { if (queued) return; queued = true; requestAnimationFrame(() => { queued = false; hint(); }); };
hint(); document.addEventListener("DOMContentLoaded", hint); new MutationObserver(later).observe(document.documentElement, { childList: true, subtree: true });
})();</script>`;
