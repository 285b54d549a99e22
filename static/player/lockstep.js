// Lockstep: plays several <video> elements as one timeline, within a frame of each other.
//
// Measured in headless Chromium (docs/player.md): clips started together from a flushed seek begin
// within a few ms of each other, while a hard seek on a playing clip lands hundreds of ms late. So
// every disturbance (play, seek, speed change, stall, tier switch, return from a background tab)
// goes through one move: pause all, seek all to one time, wait until every clip can play, then call
// play() on all in the same task. Small drift while playing (a late frame under CPU load) is fixed
// by rate nudges (nudge.js); only a large spread costs a full realign.

import { Nudger } from "./nudge.js";

const END_EPS = 0.05; // a clip this close to its end holds its last frame instead of playing
const CHECK_MS = 50;
const STRIKES = 3; // consecutive checks over tolerance before a realign (ignores one-off blips)
const REALIGN_COOLDOWN_MS = 2000;
const BUFFER_AHEAD = 2; // seconds every clip must hold before resuming after a stall
const DATA_LOW = 1; // s buffered: below this a waiting clip is short of data (Chromium waits at ~0.5)
const WAIT_MS = 15000;
// A pause stops every clip at once (within a few ms of each other) and only then, once the viewer
// has stayed paused this long, seeks them all to one time so they show one frame and the next
// play starts from a flushed state. A quick resume plays on from where the clips stopped instead
// of waiting for that seek; the nudges take up the few ms between them.
const PAUSE_SETTLE_MS = 400;

/**
 * Let the clips' pitch follow their speed while none of them is heard, everywhere but at 1x.
 *
 * Measured in headless Chromium (docs/player.md, "Issue 17, third round"), a plain page without
 * this player: a clip flushed by a seek and started at 0.5x keeps its clock still for 100-130 ms
 * (0.25x: 180 ms, 0.75x: 60 ms; 1x and 2x: 10-15 ms) while Chromium's pitch-keeping
 * time-stretcher fills its window. With `preservesPitch` off Chromium resamples instead, and the
 * same start takes 60-90 ms at 0.5x and 0.25x, 20 ms at 0.75x. Nobody hears a muted clip's pitch.
 * Once one clip is heard every clip keeps its pitch (and the slow start): clips started through
 * the two paths start 25-50 ms apart, and the nudges took seconds to close that at 0.5x. At 1x
 * it stays on: a nudge leaving 1x jumps the clock back 25 ms only through the stretcher, and
 * nudge.js plans for that jump. Turning it on while playing jumps each clock back 15-25 ms, once;
 * the nudges take up the difference.
 */
function fitPitch(videos, rate) {
  const keep = rate === 1 || videos.some((v) => !v.muted);
  for (const v of videos) if (v.preservesPitch !== keep) v.preservesPitch = keep;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolve once `test()` holds or the clip has failed (false after `ms`: never hang the player). */
function when(video, names, test, ms = WAIT_MS) {
  const settled = () => test() || video.error;
  if (settled()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      if (!settled()) return;
      names.forEach((n) => video.removeEventListener(n, done));
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      names.forEach((n) => video.removeEventListener(n, done));
      resolve(false);
    }, ms);
    names.forEach((n) => video.addEventListener(n, done));
  });
}

const hasMetadata = (v) => when(v, ["loadedmetadata", "error"], () => v.readyState >= 1);
const canPlay = (v) =>
  when(v, ["canplay", "canplaythrough", "seeked", "error"], () => v.readyState >= 3 && !v.seeking);
const duration = (v) => (Number.isFinite(v.duration) ? v.duration : 0);

function seekTo(video, target) {
  // Chromium elides a seek to the exact paused position, and such a clip resumes ~50 ms ahead of
  // what it reports; a microsecond away forces a real, flushing seek.
  if (Math.abs(video.currentTime - target) < 1e-6) target += 2e-6;
  // Wait from after the assignment: before it the clip is not seeking yet, and the wait would
  // resolve at once. `seeked` is queued as a task, so it cannot fire before we listen.
  video.currentTime = target;
  return when(video, ["seeked", "error"], () => !video.seeking);
}

function bufferedAhead(video, t) {
  const ranges = video.buffered;
  for (let i = 0; i < ranges.length; i++) {
    if (ranges.start(i) <= t + 0.05 && ranges.end(i) > t) return ranges.end(i) - t;
  }
  return 0;
}

export class Lockstep extends EventTarget {
  constructor(videos, { tolerance = 0.1 } = {}) {
    super();
    this.videos = videos;
    this.tolerance = tolerance;
    this.state = "loading";
    this.playing = false; // what the viewer asked for; `state` is what the clips are doing
    this.position = 0;
    this.rate = 1;
    this.loop = false;
    this.running = [];
    this.failed = new Set();
    this.op = 0; // bumped by every move, so a superseded async move stops at its next await
    this.strikes = 0;
    this.lastRealign = 0;
    this.realigns = 0;
    this.flushedAt = null; // the time every clip was last seeked to and has not played from since
    this.pending = null; // the seekAll in flight: { t, done }
    this.restingAt = null; // the time a pause() stopped the clips at, until anything seeks them
    this.nudger = new Nudger();
    this.listen();
  }

  listen() {
    for (const v of this.videos) {
      v.addEventListener("waiting", () => this.check());
      v.addEventListener("ended", () => this.check());
      v.addEventListener("error", () => this.fail(v));
      v.addEventListener("volumechange", () => fitPitch(this.videos, this.rate));
    }
    document.addEventListener("visibilitychange", () => {
      // A background tab stops decoding video; realign on return rather than trust the clocks.
      if (document.visibilityState === "visible" && this.state === "playing") this.startAt(this.now());
    });
    this.timer = setInterval(() => this.check(), CHECK_MS);
  }

  get duration() {
    return Math.max(0, ...this.videos.map(duration));
  }

  get frameRate() {
    return this.fps || 30;
  }

  /** Wait until every clip can play at `t`, then report ready. */
  async init(t = 0) {
    await Promise.all(this.videos.map(hasMetadata));
    this.videos.filter((v) => v.error).forEach((v) => this.fail(v));
    await Promise.all(this.videos.map(hasMetadata)); // clips that fell back to another tier
    await this.holdAt(Math.min(Math.max(0, t), this.duration));
    await Promise.all(this.live().map(canPlay));
    this.dispatchEvent(new Event("ready"));
  }

  /** Paused with every clip on the frame at `position` (a pause settles a moment later). */
  get settled() {
    return this.state === "paused" && this.restingAt === null && this.pending === null;
  }

  now() {
    if (this.state !== "playing") return this.position;
    const clocks = this.running.filter((v) => !v.ended).map((v) => v.currentTime);
    return clocks.length ? Math.max(...clocks) : this.position;
  }

  play() {
    this.playing = true;
    const t = this.position >= this.duration - END_EPS ? 0 : this.position;
    return this.startAt(t);
  }

  /** Stop every clip now; settle them on one frame (a seek) once the pause lasts. */
  async pause() {
    this.playing = false;
    const t = this.now();
    const op = ++this.op;
    this.position = t;
    this.halt();
    this.restingAt = this.flushedAt === t || this.pending?.t === t ? null : t;
    this.setState("paused");
    if (this.restingAt === null) return this.pending?.done;
    await sleep(PAUSE_SETTLE_MS);
    if (op === this.op) await this.seekAll(t);
  }

  seek(seconds) {
    const t = Math.min(Math.max(0, Number(seconds) || 0), this.duration);
    return this.playing ? this.startAt(t) : this.holdAt(t);
  }

  step(frames) {
    const fps = this.frameRate;
    const frame = Math.floor(this.now() * fps + 1e-3) + frames;
    const last = Math.max(0, Math.floor(this.duration * fps) - 1);
    this.playing = false;
    // aim at the middle of the frame so rounding in any clip cannot land on its neighbour
    return this.holdAt((Math.min(Math.max(0, frame), last) + 0.5) / fps);
  }

  setRate(rate) {
    this.rate = rate;
    for (const v of this.videos) v.defaultPlaybackRate = rate;
    fitPitch(this.videos, rate);
    // a rate change on a clip with audio jumps its clock back ~25 ms: restart from a fresh flush
    if (this.state === "playing") return this.startAt(this.now());
    this.flushedAt = null;
    for (const v of this.videos) v.playbackRate = rate;
    return Promise.resolve();
  }

  /** Swap every clip's source (a tier switch) and carry on at the same time and state. */
  async setSources(urls) {
    const t = this.now();
    const op = ++this.op;
    this.setState("loading");
    this.halt();
    this.flushedAt = null;
    this.pending = null;
    this.restingAt = null;
    this.videos.forEach((v, i) => {
      if (!urls[i] || v.src === new URL(urls[i], location.href).href) return;
      this.failed.delete(v);
      v.src = urls[i];
    });
    await Promise.all(this.videos.map(hasMetadata));
    this.videos.filter((v) => v.error).forEach((v) => this.fail(v));
    if (op !== this.op) return;
    return this.playing ? this.startAt(t) : this.holdAt(t);
  }

  /** Pause every clip on the frame at `t` (clips shorter than `t` show their last frame). */
  async holdAt(t) {
    const op = ++this.op;
    this.position = t;
    this.setState("seeking");
    this.halt();
    await this.seekAll(t);
    if (op === this.op) this.setState("paused");
  }

  /** The one move that starts clips together: pause, flushing seek, wait for all, play all. */
  async startAt(t) {
    const op = ++this.op;
    this.position = t;
    this.setState("aligning");
    this.halt();
    for (const v of this.videos) v.preload = "auto";
    // clips held at `t` by a finished (or running) seek are already flushed: no second decode;
    // clips a pause has just stopped play on from there (a seek would cost a decode)
    if (this.flushedAt !== t && this.restingAt !== t) await this.seekAll(t);
    this.restingAt = null;
    const clips = this.live(t);
    await Promise.all(clips.map(canPlay));
    if (op !== this.op) return;
    this.flushedAt = null;
    this.running = clips.filter((v) => !this.failed.has(v));
    this.strikes = 0;
    this.setState("playing");
    for (const v of this.running) v.play().catch((err) => this.playRefused(v, err, op));
  }

  halt() {
    this.running = [];
    this.nudger.reset();
    for (const v of this.videos) {
      v.pause();
      if (v.playbackRate !== this.rate) v.playbackRate = this.rate;
    }
  }

  /** Seek every clip to `t`; a seek to where a running one is going joins it instead. */
  seekAll(t) {
    this.restingAt = null;
    if (this.pending?.t === t) return this.pending.done;
    this.flushedAt = null;
    const clips = this.videos.filter((v) => !this.failed.has(v));
    const done = Promise.all(clips.map((v) => seekTo(v, Math.min(t, duration(v)))));
    const pending = { t, done };
    this.pending = pending;
    done.then(() => {
      if (this.pending !== pending) return;
      this.pending = null;
      this.flushedAt = t;
    });
    return done;
  }

  /** Clips that still have something to play at `t`. */
  live(t = this.position) {
    return this.videos.filter((v) => !this.failed.has(v) && t < duration(v) - END_EPS);
  }

  check() {
    if (this.state !== "playing") return;
    const live = this.running.filter((v) => !v.ended && !this.failed.has(v));
    if (!live.length) return this.finish();
    this.position = this.now();
    if (live.some((v) => this.starved(v))) return this.stall(live);
    const times = live.map((v) => v.currentTime);
    const spread = Math.max(...times) - Math.min(...times);
    this.strikes = spread > this.tolerance ? this.strikes + 1 : 0;
    const cooled = performance.now() - this.lastRealign > REALIGN_COOLDOWN_MS;
    if (this.strikes < STRIKES || !cooled) return this.nudger.update(live, this.rate);
    this.lastRealign = performance.now();
    this.realigns += 1;
    this.startAt(Math.min(...times));
  }

  /** True when a clip cannot go on for lack of data (not a decoder hiccup under CPU load). */
  starved(video) {
    if (video.paused || video.seeking) return true;
    // A late decoder also reports `waiting`; it recovers by itself within a few frames, and a
    // hold + seek of every clip would only add decode work. The nudges absorb what it costs.
    return video.readyState < 3 && bufferedAhead(video, video.currentTime) < DATA_LOW;
  }

  /** One clip ran dry: hold everyone at its frame until all have data to play on. */
  async stall(live) {
    const op = ++this.op;
    const t = Math.min(...live.map((v) => v.currentTime));
    this.position = t;
    this.setState("buffering");
    this.halt();
    await this.seekAll(t);
    while (op === this.op && !this.buffered(t)) await sleep(CHECK_MS);
    if (op === this.op) this.startAt(t);
  }

  buffered(t) {
    return this.live(t).every((v) => {
      const need = Math.min(BUFFER_AHEAD, duration(v) - t - END_EPS);
      return bufferedAhead(v, t) >= need || v.error;
    });
  }

  finish() {
    if (this.loop) return this.startAt(0);
    this.playing = false;
    this.halt();
    this.position = this.duration;
    this.setState("paused");
    this.dispatchEvent(new Event("ended"));
  }

  playRefused(video, err, op) {
    if (err.name !== "NotAllowedError") return; // AbortError: a newer move paused it, fine
    // autoplay policy refuses sound without a user gesture: keep the picture, drop the sound
    video.muted = true;
    this.dispatchEvent(new Event("volumechange"));
    if (op === this.op) this.startAt(this.now());
  }

  fail(video) {
    if (this.failed.has(video)) return;
    const next = this.fallback?.(video); // another tier of the same clip, if it has one left
    if (next) {
      video.src = next;
      return;
    }
    this.failed.add(video);
    this.dispatchEvent(new CustomEvent("clipfailed", { detail: video }));
    this.check();
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("statechange", { detail: state }));
  }
}
