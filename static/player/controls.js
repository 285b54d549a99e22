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
  on("toggle", () => (engine.playing ? engine.pause() : engine.play()));
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

function bindKeys(root, engine) {
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
  };
  document.addEventListener("keydown", (e) => {
    const target = e.target;
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

function renderState(root, engine, scrub) {
  const toggle = root.querySelector('[data-action="toggle"]');
  const time = root.querySelector("[data-time]");
  const total = root.querySelector("[data-duration]");
  const status = root.querySelector("[data-status]");
  const paint = () => {
    const t = engine.now();
    time.textContent = formatTime(t);
    if (!scrub.isDragging()) scrub.range.value = String(t);
  };
  const onState = () => {
    root.dataset.state = engine.state;
    toggle.setAttribute("aria-label", engine.playing ? "Pause" : "Play");
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
  renderState(root, engine, scrub);
  markFailures(root, engine);
}
