// One clip at a time on a phone: swipe sideways (or press ‹ ›) to switch the clip shown.
//
// On a narrow screen (the same 640 px as the CSS) the grid stacks the clips; the layout button
// (or a sideways swipe on a clip) shows one clip at the width of the screen instead, and a swipe
// to the left or right switches to the next or previous one. Every clip keeps playing in step
// (the hidden ones are only restyled, never removed: that would pause them), so a switch shows
// the same moment in another clip. If sound is on, it follows the clip shown (solo).

const NARROW = "(max-width: 640px)";
const SWIPE_PX = 40; // a shorter move is a tap or a wobble
const SWIPE_MS = 800; // a slower one is a drag, not a swipe
const STEEP = 1.5; // |dx| must beat |dy| by this much: a vertical move scrolls the page

export function bindSwipe(root, engine) {
  const stage = root.querySelector(".cp-stage");
  const figures = [...root.querySelectorAll(".cp-clip")];
  const button = root.querySelector('[data-action="layout"]');
  const pager = root.querySelector("[data-pager]");
  const where = root.querySelector("[data-pager-position]");
  const narrow = window.matchMedia(NARROW);
  const state = { single: false, shown: 0 };
  if (figures.length < 2) return state;

  const render = () => {
    const on = state.single && narrow.matches;
    stage.dataset.layout = on ? "single" : "stack";
    figures.forEach((fig, i) => fig.classList.toggle("cp-shown", i === state.shown));
    button.setAttribute("aria-pressed", String(state.single));
    pager.hidden = !on;
    const label = figures[state.shown].querySelector(".cp-label").textContent;
    where.textContent = `${state.shown + 1} / ${figures.length} · ${label}`;
  };
  const show = (index) => {
    state.shown = (index + figures.length) % figures.length;
    const videos = engine.videos;
    if (videos.some((v) => !v.muted)) {
      videos.forEach((v, i) => (v.muted = i !== state.shown)); // sound follows the clip shown
      engine.dispatchEvent(new Event("volumechange")); // the Mute / Solo buttons re-render
    }
    render();
  };
  const setSingle = (on, index = state.shown) => {
    state.single = on;
    show(index);
  };

  button.addEventListener("click", () => setSingle(!state.single));
  root.querySelector('[data-action="clip-prev"]').addEventListener("click", () => show(state.shown - 1));
  root.querySelector('[data-action="clip-next"]').addEventListener("click", () => show(state.shown + 1));
  narrow.addEventListener("change", render);

  let start = null;
  stage.addEventListener("pointerdown", (e) => {
    const fig = e.target.closest(".cp-clip");
    // only a finger on a picture in the grid (the wipe divider, a zoomed pan and buttons keep theirs)
    const free = stage.dataset.view === "grid" && stage.dataset.zoomed !== "true";
    start = e.pointerType === "touch" && e.isPrimary && free && fig && !e.target.closest("button")
      ? { x: e.clientX, y: e.clientY, t: performance.now(), index: figures.indexOf(fig) }
      : null;
  });
  stage.addEventListener("pointercancel", () => (start = null)); // the page took it: a scroll
  stage.addEventListener("pointerup", (e) => {
    if (!start || !narrow.matches) return;
    const dx = e.clientX - start.x;
    const dy = e.clientY - start.y;
    const quick = performance.now() - start.t < SWIPE_MS;
    const index = start.index;
    start = null;
    if (!quick || Math.abs(dx) < SWIPE_PX || Math.abs(dx) < STEEP * Math.abs(dy)) return;
    // a swipe to the left brings the next clip in, as in any photo viewer
    setSingle(true, index + (dx < 0 ? 1 : -1));
  });
  render();
  return state;
}
