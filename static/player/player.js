// Entry point of the synced comparison player (templates/comparisons/_player.html, docs/player.md).
import { bindControls } from "./controls.js";
import { bindDiff } from "./diff.js";
import { Lockstep } from "./lockstep.js";
import { bindSwipe } from "./swipe.js";
import { drawTimeline } from "./timeline.js";
import { bindWipe } from "./wipe.js";
import { bindZoom } from "./zoom.js";

function readClips(root) {
  const node = root.querySelector('script[type="application/json"]');
  return node ? JSON.parse(node.textContent) : [];
}

function startTime() {
  const t = parseFloat(new URLSearchParams(location.search).get("t"));
  return Number.isFinite(t) && t > 0 ? t : 0;
}

/** Keep `?t=` in the address bar at the shown time, so a copied URL reopens on the same frame.
 * `base` is the page the link opens: this one, or the comparison page for the embed
 * (`data-share-url` on the player). */
function shareUrl(seconds, base = location.href) {
  const url = new URL(base, location.href);
  if (seconds > 0) url.searchParams.set("t", seconds.toFixed(2));
  else url.searchParams.delete("t");
  return url;
}

function trackUrl(engine) {
  engine.addEventListener("statechange", () => {
    if (engine.state === "paused") history.replaceState(history.state, "", shareUrl(engine.now()));
  });
}

/** Any [data-seek] on the page (spike links in the metric table, the legend) seeks the player. */
function bindSeekLinks(root, engine) {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-seek]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) {
      return;
    }
    const t = parseFloat(link.dataset.seek);
    if (!Number.isFinite(t)) return;
    event.preventDefault();
    engine.seek(t);
    const box = root.getBoundingClientRect();
    if (box.bottom < 0 || box.top > innerHeight) root.scrollIntoView({ behavior: "smooth" });
  });
}

const TIERS = ["standard", "preview", "original"];

/** Return a function giving a clip's next untried tier when its source fails to load. */
function tierFallback(clips, videos) {
  const tried = new Map();
  const abs = (url) => new URL(url, location.href).href;
  return (video) => {
    const sources = clips[videos.indexOf(video)]?.sources || {};
    if (!tried.has(video)) tried.set(video, new Set([abs(video.currentSrc || video.src)]));
    const seen = tried.get(video);
    const next = TIERS.map((tier) => sources[tier]).find((url) => url && !seen.has(abs(url)));
    if (next) seen.add(abs(next));
    return next || null;
  };
}

function exposeApi(root, engine, videos) {
  let resolveReady;
  const api = {
    root,
    videos,
    engine,
    isReady: false,
    ready: new Promise((resolve) => (resolveReady = resolve)),
    play: () => engine.play(),
    pause: () => engine.pause(),
    seek: (seconds) => engine.seek(seconds),
    step: (frames) => engine.step(frames),
    setRate: (rate) => engine.setRate(rate),
    get currentTime() {
      return engine.now();
    },
    get state() {
      return engine.state;
    },
    get settled() {
      return engine.settled;
    },
    shareUrl: () => shareUrl(engine.now(), root.dataset.shareUrl || location.href).href,
  };
  engine.addEventListener("ready", () => {
    api.isReady = true;
    root.dataset.ready = "true";
    resolveReady(api);
    document.dispatchEvent(new CustomEvent("compareplayer:ready", { detail: api }));
  });
  window.comparePlayer = api;
  return api;
}

function mount(root) {
  const clips = readClips(root);
  const videos = [...root.querySelectorAll("video.cp-video")];
  videos.forEach((v) => v.removeAttribute("controls"));
  root.querySelectorAll("[data-js-only]").forEach((el) => (el.hidden = false));
  root.classList.add("cp-js");
  const legend = root.querySelector(".cp-legend");
  if (legend && !legend.querySelector("[data-seek]")) legend.hidden = true; // no spikes: no news
  const engine = new Lockstep(videos);
  engine.fallback = tierFallback(clips, videos);
  engine.fps = Math.max(...clips.map((c) => Number(c.fps) || 0)) || 30;
  const api = exposeApi(root, engine, videos);
  bindControls(root, engine, clips, api);
  drawTimeline(root.querySelector("[data-timeline]"), clips, engine);
  bindWipe(root, engine);
  api.view = bindZoom(root, engine);
  api.diff = bindDiff(root, engine);
  api.layout = bindSwipe(root, engine);
  bindSeekLinks(root, engine);
  trackUrl(engine);
  engine.init(startTime());
}

const root = document.querySelector("[data-compare-player]");
if (root) mount(root);
