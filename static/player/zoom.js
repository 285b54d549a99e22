// Zoom and pan: the same region of every clip at once, in the grid and in the wipe view.
//
// One view, { scale, x, y } (x, y: the top-left of the shown region as a fraction of the
// picture), is applied to every <video> as a CSS transform (CSSOM, which the CSP allows). Being
// on the elements, it survives play, seek and tier switches, which only change what they show.

const MIN = 1;
const MAX = 8;
const WHEEL_STEP = 1.0015; // zoom factor per pixel of wheel delta (a notch is ~100 px)

export function bindZoom(root, engine) {
  const stage = root.querySelector(".cp-stage");
  const screens = [...root.querySelectorAll(".cp-screen")];
  const videos = engine.videos;
  const view = { scale: 1, x: 0, y: 0 };
  const status = root.querySelector("[data-zoom-level]");

  const apply = () => {
    view.scale = Math.min(MAX, Math.max(MIN, view.scale));
    const room = 1 - 1 / view.scale;
    view.x = Math.min(room, Math.max(0, view.x));
    view.y = Math.min(room, Math.max(0, view.y));
    const transform =
      view.scale === 1 ? "" : `scale(${view.scale}) translate(${-view.x * 100}%, ${-view.y * 100}%)`;
    for (const v of videos) {
      v.style.transformOrigin = "0 0";
      v.style.transform = transform;
    }
    stage.dataset.zoomed = String(view.scale > 1);
    status.textContent = view.scale > 1 ? `${view.scale.toFixed(1)}×` : "";
  };
  /** Zoom to `scale` keeping the picture point under (u, v) (fractions of the screen) in place. */
  const zoomAt = (scale, u = 0.5, v = 0.5) => {
    const px = view.x + u / view.scale;
    const py = view.y + v / view.scale;
    view.scale = Math.min(MAX, Math.max(MIN, scale));
    view.x = px - u / view.scale;
    view.y = py - v / view.scale;
    apply();
  };
  const where = (e) => {
    const screen = e.target.closest?.(".cp-screen") || screens[0];
    const box = screen.getBoundingClientRect();
    return [(e.clientX - box.left) / box.width, (e.clientY - box.top) / box.height, box];
  };

  stage.addEventListener(
    "wheel",
    (e) => {
      // Ctrl + wheel is also what a trackpad pinch sends; a plain wheel scrolls the page until
      // the viewer has zoomed in (or is using the player), so it never traps a passing scroll
      const inUse = view.scale > 1 || root.contains(document.activeElement);
      if (!e.target.closest(".cp-screen") || !(e.ctrlKey || inUse)) return;
      e.preventDefault();
      const [u, v] = where(e);
      zoomAt(view.scale * WHEEL_STEP ** -e.deltaY, u, v);
    },
    { passive: false },
  );
  bindDrag(stage, view, where, apply, zoomAt);

  root.querySelector('[data-action="zoom-actual"]').addEventListener("click", () => {
    // 1:1: one video pixel per screen pixel (of the first clip shown)
    const v = videos.find((video) => video.offsetParent !== null && video.videoWidth) || videos[0];
    zoomAt((v.videoWidth || 1) / (v.offsetWidth || 1));
  });
  root.querySelector('[data-action="zoom-reset"]').addEventListener("click", () => {
    Object.assign(view, { scale: 1, x: 0, y: 0 });
    apply();
  });
  apply();
  return view;
}

/** Drag to pan (one pointer, once zoomed in) and pinch to zoom (two pointers). */
function bindDrag(stage, view, where, apply, zoomAt) {
  const pointers = new Map();
  let pinch = null;
  stage.addEventListener("pointerdown", (e) => {
    if (!e.target.closest(".cp-screen") || e.target.closest("button")) return;
    // in the wipe view a drag near the divider moves the divider (wipe.js), elsewhere it pans
    if (stage.dataset.view === "wipe" && (view.scale === 1 || nearDivider(stage, e))) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y), scale: view.scale };
    }
    if (view.scale > 1 || pointers.size === 2) {
      e.preventDefault();
      stage.setPointerCapture(e.pointerId);
    }
  });
  stage.addEventListener("pointermove", (e) => {
    const last = pointers.get(e.pointerId);
    if (!last) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const [u, v] = where({ target: e.target, clientX: (a.x + b.x) / 2, clientY: (a.y + b.y) / 2 });
      return zoomAt((pinch.scale * Math.hypot(a.x - b.x, a.y - b.y)) / pinch.distance, u, v);
    }
    if (view.scale === 1) return;
    const [, , box] = where(e);
    view.x -= (e.clientX - last.x) / box.width / view.scale;
    view.y -= (e.clientY - last.y) / box.height / view.scale;
    apply();
  });
  const end = (e) => {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
  };
  stage.addEventListener("pointerup", end);
  stage.addEventListener("pointercancel", end);
}

function nearDivider(stage, e) {
  const box = stage.getBoundingClientRect();
  const percent = parseFloat(stage.style.getPropertyValue("--wipe")) || 50;
  return Math.abs(e.clientX - (box.left + (box.width * percent) / 100)) < 24;
}
