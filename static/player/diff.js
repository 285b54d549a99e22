// Difference view: |A - B| per pixel of two clips as a heat map, redrawn on every presented frame.
//
// Both pictures are drawn at the smaller of the two sizes (a clip of another size is scaled down
// to it, and a note says so), read back, and their absolute difference, in luma or per RGB
// channel, times the gain, is painted into a canvas laid over clip A's picture. It is redrawn from
// requestVideoFrameCallback while playing and on every seek. `mean` is the mean absolute luma
// difference (0-255, before the gain), mirrored in the root's data-diff-mean for tests.

const heat = (v) => [Math.min(255, v * 3), Math.min(255, Math.max(0, v * 3 - 255)), Math.max(0, v * 3 - 510)];
const luma = (d, i) => 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];

export function bindDiff(root, engine) {
  const videos = engine.videos;
  const stage = root.querySelector(".cp-stage");
  const figures = [...root.querySelectorAll(".cp-clip")];
  const toggle = root.querySelector('[data-action="diff"]');
  const controls = root.querySelector("[data-diff-controls]");
  const [pickA, pickB] = ["diff-a", "diff-b"].map((n) => root.querySelector(`[data-control="${n}"]`));
  const gain = root.querySelector('[data-control="diff-gain"]');
  const mode = root.querySelector('[data-control="diff-mode"]');
  const note = root.querySelector("[data-diff-note]");
  const canvas = document.createElement("canvas");
  canvas.className = "cp-diff-canvas";
  canvas.setAttribute("aria-label", "Difference heat map");
  const out = canvas.getContext("2d");
  const scratch = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const state = { on: false, mean: null };
  if (figures.length < 2) return state;

  const read = (video, w, h) => {
    scratch.canvas.width = w;
    scratch.canvas.height = h;
    scratch.drawImage(video, 0, 0, w, h);
    return scratch.getImageData(0, 0, w, h).data;
  };
  const draw = () => {
    const a = videos[+pickA.value];
    const b = videos[+pickB.value];
    if (!state.on || !a.videoWidth || !b.videoWidth) return;
    const w = Math.min(a.videoWidth, b.videoWidth);
    const h = Math.min(a.videoHeight, b.videoHeight);
    const same = a.videoWidth === b.videoWidth && a.videoHeight === b.videoHeight;
    note.textContent = same
      ? ""
      : `Sizes differ (${a.videoWidth}×${a.videoHeight} and ${b.videoWidth}×${b.videoHeight}): both compared at ${w}×${h}.`;
    const da = read(a, w, h);
    const db = read(b, w, h);
    if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
    const image = out.createImageData(w, h);
    const px = image.data;
    const g = parseFloat(gain.value) || 1;
    const rgb = mode.value === "rgb";
    let sum = 0;
    for (let i = 0; i < px.length; i += 4) {
      const d = Math.abs(luma(da, i) - luma(db, i));
      sum += d;
      const [r, gr, bl] = rgb
        ? [Math.abs(da[i] - db[i]) * g, Math.abs(da[i + 1] - db[i + 1]) * g, Math.abs(da[i + 2] - db[i + 2]) * g]
        : heat(d * g);
      px[i] = r;
      px[i + 1] = gr;
      px[i + 2] = bl;
      px[i + 3] = 255;
    }
    out.putImageData(image, 0, 0);
    state.mean = sum / (w * h);
    root.dataset.diffMean = state.mean.toFixed(3);
  };
  let chain = 0; // one requestVideoFrameCallback chain at a time
  const everyFrame = () => {
    const id = ++chain;
    const step = () => {
      if (!state.on || id !== chain) return;
      draw();
      videos[+pickA.value].requestVideoFrameCallback?.(step);
    };
    step();
  };
  const place = () => {
    figures.forEach((fig, i) => fig.classList.toggle("cp-diff-a", state.on && String(i) === pickA.value));
    if (state.on) figures[+pickA.value].querySelector(".cp-screen").append(canvas);
    else canvas.remove();
  };
  const setMode = (on, { view = true } = {}) => {
    if (on && stage.dataset.view === "wipe") root.querySelector('[data-action="wipe"]').click();
    state.on = on;
    if (view) stage.dataset.view = on ? "diff" : "grid";
    toggle.setAttribute("aria-pressed", String(on));
    controls.hidden = !on;
    place();
    if (on) everyFrame();
    else delete root.dataset.diffMean;
  };
  toggle.addEventListener("click", () => setMode(!state.on));
  // the wipe view replaces this one (wipe.js has already set the stage's view)
  root.querySelector('[data-action="wipe"]').addEventListener("click", () => state.on && setMode(false, { view: false }));
  [pickA, pickB].forEach((s) => s.addEventListener("change", () => (place(), everyFrame())));
  [gain, mode].forEach((c) => c.addEventListener("input", draw));
  videos.forEach((v) => v.addEventListener("seeked", draw));
  return state;
}
