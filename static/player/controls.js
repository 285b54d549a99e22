// Buttons, scrubber, selects and keyboard shortcuts of the comparison player.

const STATUS = { loading: "Loading…", buffering: "Buffering…", aligning: "", seeking: "" };

export function formatTime(seconds) {
  const s = Math.max(0, seconds || 0);
  const minutes = Math.floor(s / 60);
  return `${minutes}:${(s - minutes * 60).toFixed(2).padStart(5, "0")}`;
}

function bindTransport(root, engine) {
  const on = (action, fn) =>
    root.querySelectorAll(`[data-action="${action}"]`).forEach((b) => b.addEventListener("click", fn));
  // one button whose data-action says what a click does now: "play" or "pause" (renderState)
  root
    .querySelector("[data-player-toggle]")
    .addEventListener("click", (e) => (e.currentTarget.dataset.action === "pause" ? engine.pause() : engine.play()));
  on("frame-back", () => engine.step(-1));
  on("frame-forward", () => engine.step(1));
  on("loop", (e) => {
    engine.loop = !engine.loop;
    e.currentTarget.setAttribute("aria-pressed", String(engine.loop));
  });
  on("fullscreen", () => toggleFullscreen(root));
  const full = root.querySelector('[data-action="fullscreen"]');
  document.addEventListener("fullscreenchange", () =>
    full.setAttribute("aria-pressed", String(document.fullscreenElement === root)),
  );
}

function toggleFullscreen(root) {
  if (document.fullscreenElement) document.exitFullscreen();
  else root.requestFullscreen?.();
}

function bindScrubber(root, engine) {
  const range = root.querySelector(".cp-scrubber");
  let dragging = false;
  range.addEventListener("pointerdown", () => {
    // scrub paused: each position is a paused seek, and playback restarts once, on release
    dragging = true;
    const resume = engine.playing;
    if (resume) engine.pause();
    const release = () => {
      dragging = false;
      if (resume) engine.play();
    };
    window.addEventListener("pointerup", release, { once: true });
  });
  range.addEventListener("input", () => engine.seek(parseFloat(range.value)));
  return { range, isDragging: () => dragging };
}

function bindSelects(root, engine, clips) {
  const speed = root.querySelector('[data-control="speed"]');
  speed.addEventListener("change", () => engine.setRate(parseFloat(speed.value)));
  const tier = root.querySelector('[data-control="tier"]');
  for (const option of tier.options) {
    option.disabled = !clips.some((c) => c.sources?.[option.value]);
  }
  tier.addEventListener("change", () => {
    // a clip without the asked tier keeps what it has (null keeps the current source)
    engine.setSources(clips.map((c) => c.sources?.[tier.value] || null));
  });
}

function bindAudio(root, engine) {
  const videos = engine.videos;
  const figures = [...root.querySelectorAll(".cp-clip")];
  const render = () =>
    figures.forEach((fig, i) => {
      const mute = fig.querySelector('[data-action="mute"]');
      const solo = fig.querySelector('[data-action="solo"]');
      const others = videos.filter((_, j) => j !== i);
      mute.setAttribute("aria-pressed", String(videos[i].muted));
      mute.textContent = videos[i].muted ? "Muted" : "Sound on";
      solo.setAttribute("aria-pressed", String(!videos[i].muted && others.every((v) => v.muted)));
    });
  figures.forEach((fig, i) => {
    fig.querySelector('[data-action="mute"]').addEventListener("click", () => {
      videos[i].muted = !videos[i].muted;
      render();
    });
    fig.querySelector('[data-action="solo"]').addEventListener("click", (e) => {
      const soloed = e.currentTarget.getAttribute("aria-pressed") === "true";
      videos.forEach((v, j) => (v.muted = soloed || j !== i));
      render();
    });
  });
  engine.addEventListener("volumechange", render);
  render();
}

function bindCopyLink(root, api) {
  const button = root.querySelector('[data-action="copy-link"]');
  const status = root.querySelector("[data-status]");
  button.addEventListener("click", async () => {
    const url = api.shareUrl();
    try {
      await navigator.clipboard.writeText(url);
      status.textContent = "Link copied";
      setTimeout(() => status.textContent === "Link copied" && (status.textContent = ""), 2000);
    } catch {
      status.textContent = url; // no clipboard permission: show it so it can be copied by hand
    }
  });
}

const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);

/** The "?" popover listing the shortcuts; returns its toggle (open: true/false, none: flip). */
function bindHelp(root) {
  const button = root.querySelector('[data-action="help"]');
  const panel = root.querySelector("[data-help]");
  const show = (open = panel.hidden) => {
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => show());
  document.addEventListener("click", (e) => {
    if (!panel.hidden && !panel.contains(e.target) && !button.contains(e.target)) show(false);
  });
  return show;
}

/** True when the player's shortcuts apply: it (or one of its controls) has focus, or the pointer is over it. */
function keyScope(root) {
  let over = false;
  root.addEventListener("pointerenter", () => (over = true));
  root.addEventListener("pointerleave", () => (over = false));
  return (target) => root.contains(target) || (over && (target === document.body || !target.closest));
}

function bindKeys(root, engine) {
  const help = bindHelp(root);
  const inScope = keyScope(root);
  const keys = {
    " ": () => (engine.playing ? engine.pause() : engine.play()),
    k: () => (engine.playing ? engine.pause() : engine.play()),
    ArrowLeft: (e) => engine.seek(engine.now() - (e.shiftKey ? 5 : 1)),
    ArrowRight: (e) => engine.seek(engine.now() + (e.shiftKey ? 5 : 1)),
    ",": () => engine.step(-1),
    ".": () => engine.step(1),
    Home: () => engine.seek(0),
    End: () => engine.seek(engine.duration),
    l: () => root.querySelector('[data-action="loop"]').click(),
    f: () => toggleFullscreen(root),
    w: () => root.querySelector('[data-action="wipe"]').click(),
    "?": () => help(),
    Escape: () => help(false),
  };
  document.addEventListener("keydown", (e) => {
    const target = e.target;
    // never page-wide: the page scrolls with space and the arrows unless the player is in use
    if (!inScope(target)) return;
    // the scrubber's own arrow steps would be a millisecond: give it the player's keys instead
    const typing = TYPING.has(target.tagName) && !target.classList.contains("cp-scrubber");
    if (e.ctrlKey || e.metaKey || e.altKey || typing || target.isContentEditable) return;
    if (e.key === " " && target.closest?.("button, a")) return; // let space press that button
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    action(e);
  });
}

/** The index of the frame each clip shows (its own frame rate), under each picture. */
function frameReadout(root, engine, clips) {
  const cells = [...root.querySelectorAll("[data-frame]")];
  return () =>
    cells.forEach((cell, i) => {
      const fps = Number(clips[i]?.fps) || engine.frameRate;
      const text = `frame ${Math.floor(engine.videos[i].currentTime * fps + 1e-3)}`; // currentTime is rounded to µs
      if (cell.textContent !== text) cell.textContent = text;
    });
}

function renderState(root, engine, scrub, clips) {
  const frames = frameReadout(root, engine, clips);
  const toggle = root.querySelector("[data-player-toggle]");
  const time = root.querySelector("[data-time]");
  const total = root.querySelector("[data-duration]");
  const status = root.querySelector("[data-status]");
  const paint = () => {
    const t = engine.now();
    time.textContent = formatTime(t);
    frames();
    if (!scrub.isDragging()) scrub.range.value = String(t);
  };
  const onState = () => {
    root.dataset.state = engine.state;
    toggle.setAttribute("aria-label", engine.playing ? "Pause" : "Play");
    toggle.dataset.action = engine.playing ? "pause" : "play"; // for tools that drive the page
    root.classList.toggle("cp-is-playing", engine.playing);
    if (engine.state in STATUS) status.textContent = STATUS[engine.state];
    else if (status.textContent !== "Link copied") status.textContent = "";
    scrub.range.max = String(engine.duration);
    total.textContent = formatTime(engine.duration);
    paint();
    // screen readers hear a time, not a float; refreshed on each move, not on every frame
    scrub.range.setAttribute("aria-valuetext", `${formatTime(engine.now())} of ${total.textContent}`);
  };
  engine.addEventListener("statechange", onState);
  engine.addEventListener("ready", onState);
  engine.videos.forEach((v) => v.addEventListener("seeked", frames)); // a pause settles later
  whilePlaying(engine, paint);
}

/** Call `paint` on every animation frame while the clips play, and not at all otherwise. */
export function whilePlaying(engine, paint) {
  let running = false;
  const frame = () => {
    paint();
    running = engine.state === "playing";
    if (running) requestAnimationFrame(frame);
  };
  engine.addEventListener("statechange", () => {
    if (engine.state === "playing" && !running) {
      running = true;
      requestAnimationFrame(frame);
    }
  });
}

function markFailures(root, engine) {
  engine.addEventListener("clipfailed", (e) => {
    const overlay = e.detail.closest(".cp-clip").querySelector("[data-overlay]");
    overlay.textContent = "This clip could not be loaded.";
    overlay.hidden = false;
  });
}

export function bindControls(root, engine, clips, api) {
  bindTransport(root, engine);
  const scrub = bindScrubber(root, engine);
  bindSelects(root, engine, clips);
  bindAudio(root, engine);
  bindCopyLink(root, api);
  bindKeys(root, engine);
  renderState(root, engine, scrub, clips);
  markFailures(root, engine);
}
