// Wipe view: two clips stacked in one frame, the right one revealed from a movable divider.

export function bindWipe(root, engine) {
  const stage = root.querySelector(".cp-stage");
  const figures = [...root.querySelectorAll(".cp-clip")];
  const toggle = root.querySelector('[data-action="wipe"]');
  const controls = root.querySelector("[data-wipe-controls]");
  const handle = root.querySelector(".cp-wipe-handle");
  const range = root.querySelector('[data-control="wipe-position"]');
  const pickA = root.querySelector('[data-control="wipe-a"]');
  const pickB = root.querySelector('[data-control="wipe-b"]');
  if (figures.length < 2) return;

  const setPosition = (percent) => {
    const p = Math.min(100, Math.max(0, percent));
    range.value = String(p);
    stage.style.setProperty("--wipe", `${p}%`); // CSSOM, not a style attribute: CSP allows it
  };
  const assign = () => {
    // never remove a playing <video> from the DOM (that pauses it); only restyle
    figures.forEach((fig, i) => {
      fig.classList.toggle("cp-wipe-a", String(i) === pickA.value);
      fig.classList.toggle("cp-wipe-b", String(i) === pickB.value && pickB.value !== pickA.value);
    });
  };
  const setMode = (on) => {
    stage.dataset.view = on ? "wipe" : "grid";
    toggle.setAttribute("aria-pressed", String(on));
    controls.hidden = !on;
    handle.hidden = !on;
    controls.querySelectorAll("label").forEach((l) => (l.hidden = figures.length < 3));
    assign();
  };

  toggle.addEventListener("click", () => setMode(stage.dataset.view !== "wipe"));
  range.addEventListener("input", () => setPosition(parseFloat(range.value)));
  pickA.addEventListener("change", assign);
  pickB.addEventListener("change", assign);
  dragToWipe(stage, setPosition, range);
  setPosition(50);
}

function dragToWipe(stage, setPosition, range) {
  let dragging = false;
  const move = (e) => {
    const box = stage.getBoundingClientRect();
    setPosition(((e.clientX - box.left) / box.width) * 100);
  };
  stage.addEventListener("pointerdown", (e) => {
    if (stage.dataset.view !== "wipe" || e.target.closest("button")) return;
    // zoomed in, a drag away from the divider pans (zoom.js); near it, it still moves the divider
    const divider = stage.getBoundingClientRect();
    const at = divider.left + (divider.width * parseFloat(range.value)) / 100;
    if (stage.dataset.zoomed === "true" && Math.abs(e.clientX - at) >= 24) return;
    dragging = true;
    stage.setPointerCapture(e.pointerId);
    move(e);
  });
  stage.addEventListener("pointermove", (e) => dragging && move(e));
  stage.addEventListener("pointerup", () => (dragging = false));
  stage.addEventListener("pointercancel", () => (dragging = false));
}
