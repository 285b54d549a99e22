// Timeline under the clips: each clip's per-frame coherence curve and its flicker spikes.
// Clicking anywhere seeks every clip to that time.

import { whilePlaying } from "./controls.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 1000;
const CURVE_TOP = 6;
const CURVE_BOTTOM = 78;
const ROWS_TOP = 86;
const H = 122;

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  parent?.appendChild(node);
  return node;
}

function curveOf(clip) {
  const series = clip.series || {};
  return series.ssim?.length ? series.ssim : series.diff?.length ? series.diff : null;
}

/** Scale values to the curve lane; SSIM sits near 1, so zoom on the range the data uses. */
function valueScale(curves) {
  const values = curves.flat().map((p) => p[1]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo) * 0.08 || 0.01;
  return (v) => CURVE_BOTTOM - ((v - (lo - pad)) / (hi - lo + 2 * pad)) * (CURVE_BOTTOM - CURVE_TOP);
}

function drawCurves(svg, clips, x) {
  const curves = clips.map(curveOf);
  const present = curves.filter(Boolean);
  if (!present.length) return;
  const y = valueScale(present);
  curves.forEach((points, i) => {
    if (!points) return;
    const d = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    el("polyline", { points: d, class: `cp-curve cp-c${i}`, "vector-effect": "non-scaling-stroke" }, svg);
  });
}

/** Each clip's frame-difference curve, scaled to its own row: spikes stand out from its motion. */
function drawDiff(svg, clip, i, x, top, row) {
  const points = clip.series?.diff;
  if (!points?.length) return;
  const hi = Math.max(...points.map((p) => p[1])) || 1;
  const y = (v) => top + row - 1 - (v / hi) * (row - 2);
  const d = points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  el("polyline", { points: d, class: `cp-diff cp-c${i}`, "vector-effect": "non-scaling-stroke" }, svg);
}

function drawSpikes(svg, clips, x, seek) {
  const row = (H - ROWS_TOP) / Math.max(1, clips.length);
  clips.forEach((clip, i) => {
    const top = ROWS_TOP + i * row;
    el("line", { x1: 0, x2: W, y1: top + row, y2: top + row, class: "cp-row-rule" }, svg);
    drawDiff(svg, clip, i, x, top, row);
    for (const t of clip.spikes || []) {
      const spike = el("rect", {
        x: x(t) - 3, y: top + 1, width: 6, height: Math.max(2, row - 2),
        class: `cp-spike cp-c${i}`,
      }, svg); // fmt: skip
      spike.addEventListener("pointerdown", (e) => {
        e.stopPropagation(); // land exactly on the spike, not where the pointer happened to be
        seek(t);
      });
    }
  });
}

export function drawTimeline(container, clips, engine) {
  const timeline = container.closest(".cp-timeline");
  const hasData = clips.some((c) => curveOf(c) || c.spikes?.length);
  if (!hasData) return (timeline.hidden = true);
  // the clips' own duration once known; the catalogue's figure before metadata arrives
  const span = () => engine.duration || Math.max(...clips.map((c) => Number(c.duration) || 0)) || 1;
  const x = (t) => (t / span()) * W;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", class: "cp-plot" });
  container.appendChild(svg);
  const head = el("line", { x1: 0, x2: 0, y1: 0, y2: H, class: "cp-playhead" });
  const render = () => {
    svg.replaceChildren();
    drawCurves(svg, clips, x);
    drawSpikes(svg, clips, x, (t) => engine.seek(t));
    svg.appendChild(head);
  };
  render();
  engine.addEventListener("ready", render); // the real durations are known now
  container.addEventListener("pointerdown", (e) => {
    const box = container.getBoundingClientRect();
    engine.seek(((e.clientX - box.left) / box.width) * span());
  });
  const paint = () => {
    const px = x(engine.now()).toFixed(1);
    head.setAttribute("x1", px);
    head.setAttribute("x2", px);
  };
  engine.addEventListener("statechange", paint);
  whilePlaying(engine, paint);
}
