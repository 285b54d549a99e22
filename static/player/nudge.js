// Fine alignment of playing clips: briefly change one clip's playbackRate to bring it back in line.
//
// Measured in headless Chromium (docs/player.md): moving a clip with audio off its base rate makes
// its clock jump back about 25 ms, once, and the new rate then holds exactly; returning to the base
// rate does not jump. Naive proportional nudging reads that jump as fresh error and oscillates.
// So a nudge here is planned, not steered: jump + (rate - base) * duration = the correction, one
// nudge at a time per clip, then a settle period, and the jump estimate is learned from each result.
// Only clips ahead of the others are corrected; a clip that falls behind pulls the others back to
// it, so a correction never widens the spread it is fixing.
//
// A clip that keeps falling behind (its decoder starved of CPU, playing at 90 % of the speed) used
// to make the others ping-pong through one nudge after another, hundreds of rate changes in 10 s.
// Two things stop that limit cycle: the others *follow* a persistently slow clip with one held
// rate (changed at most once a second, and only when the slow clip's measured speed moves by more
// than FOLLOW_BAND), and a clip nudged again soon after its last nudge needs a larger lead before
// the next (hysteresis), with at most one nudge starting per NUDGE_GAP_MS across all clips.

const TRIGGER = 0.006; // s ahead of the slowest other clip before a clip is nudged (p95 target: 10 ms)
const TRIGGER_MAX = 0.01; // the trigger of a clip nudged again and again grows up to this
const CALM_MS = 2000; // a clip left alone this long gets its normal trigger back
const RENUDGE_MS = 1000; // a nudge this soon after the last one of the same clip raises its trigger
const PERSIST = 3; // consecutive checks over the trigger (ignores one- and two-sample blips)
const NUDGE_GAP_MS = 250; // at most one nudge starts in this time, over all clips
const NUDGE_MS = 200; // a nudge lasts this long; its rate offset is what the correction needs
const GAIN_RANGE = [0.03, 0.5]; // relative rate offset of one nudge
const SETTLE_MS = 150; // a rate change reaches the clock ~50 ms late: judge once it has landed
const INITIAL_JUMP = -0.026; // at 1x; measured, like the range below
const JUMP_RANGE = [-0.035, -0.015]; // what was measured; a wider range let noise under load steer it
const LEARN = 0.2;
const OUTLIER = 0.02; // a result this far off was disturbed by something else: learn nothing
const WINDOW_MS = 1000; // each clip's speed is measured over windows this long
const FOLLOW_BELOW = 0.97; // a clip this much slower than asked, two windows running, is followed
const FOLLOW_BAND = 0.02; // the held rate changes only when the slow clip's speed moves this much
const FOLLOW_FLOOR = 0.5; // never follow below half the chosen speed: a realign is better then

/**
 * The range the learned jump is kept in at `base` (s of media). Measured at 1x only; the jump is
 * a slice of audio output, so it likely scales with the rate (12 ms of media at 0.5x, where the
 * 1x figure made every nudge overshoot into a new one). The range spans both readings.
 */
function jumpRange(base) {
  return [JUMP_RANGE[0] * Math.max(1, base), JUMP_RANGE[1] * Math.min(1, base)];
}

export class Nudger {
  constructor() {
    this.jumps = new Map(); // base rate -> learned clock jump (s) when leaving that rate
    this.clips = new Map(); // video -> { strikes, busyUntil, timer, plan, trigger, last }
    this.count = 0; // nudges planned
    this.rateChanges = 0; // playbackRate assignments, nudges and follow rates together
    this.history = []; // the last nudges and their outcomes, for the drift test and debugging
    this.reset();
  }

  /** Forget all plans and measurements (a coordinated start resets every rate itself). */
  reset() {
    for (const state of this.clips.values()) clearTimeout(state.timer);
    this.clips.clear();
    this.follow = null; // { video, ratio }: the others play at base * ratio to stay with `video`
    this.window = null; // { at, times: Map(video -> media time) }
    this.slowWindows = 0;
    this.lastNudge = 0;
  }

  /** Look at the playing clips once; follow a chronically slow clip, nudge any clip ahead. */
  update(live, base) {
    if (live.length < 2) return;
    this.speed = base;
    const now = performance.now();
    this.measure(live, base, now);
    const leads = live.map((video) => [video, this.lead(video, live)]);
    leads.sort((a, b) => b[1] - a[1]); // largest lead first: it gets the next nudge slot
    for (const [video, lead] of leads) {
      const state = this.state(video);
      if (now < state.busyUntil) continue;
      if (state.plan) this.learn(state.plan, lead);
      state.plan = null;
      if (now - state.last > CALM_MS) state.trigger = TRIGGER;
      state.strikes = lead > state.trigger ? state.strikes + 1 : 0;
      if (state.strikes >= PERSIST && now - this.lastNudge >= NUDGE_GAP_MS) {
        this.nudge(video, state, lead, this.baseOf(video, base), now);
      }
    }
  }

  lead(video, live) {
    return video.currentTime - Math.min(...live.filter((v) => v !== video).map((v) => v.currentTime));
  }

  /** The rate a clip plays at between nudges: the chosen speed, or the follow rate. */
  baseOf(video, base) {
    return this.follow && this.follow.video !== video ? base * this.follow.ratio : base;
  }

  /** Measure each clip's speed per window; start, move or end following the slowest one. */
  measure(live, base, now) {
    const w = this.window;
    if (!w || live.some((v) => !w.times.has(v))) {
      this.window = { at: now, times: new Map(live.map((v) => [v, v.currentTime])) };
      return;
    }
    if (now - w.at < WINDOW_MS) return;
    const speed = (v) => (v.currentTime - w.times.get(v)) / ((now - w.at) / 1000) / base;
    const slowest = live.reduce((a, b) => (speed(b) < speed(a) ? b : a));
    const ratio = Math.max(FOLLOW_FLOOR, Math.min(1, speed(slowest)));
    this.window = { at: now, times: new Map(live.map((v) => [v, v.currentTime])) };
    if (!this.follow) {
      this.slowWindows = ratio < FOLLOW_BELOW ? this.slowWindows + 1 : 0;
      if (this.slowWindows >= 2) this.setFollow(live, base, { video: slowest, ratio });
      return;
    }
    // the followed clip's own speed decides; the others play at the follow rate by design
    if (!live.includes(this.follow.video)) return this.setFollow(live, base, null);
    const own = speed(this.follow.video);
    if (own >= 1 - FOLLOW_BAND / 2) this.setFollow(live, base, null);
    else if (Math.abs(own - this.follow.ratio) > FOLLOW_BAND) {
      this.setFollow(live, base, { video: this.follow.video, ratio: Math.max(FOLLOW_FLOOR, own) });
    }
  }

  setFollow(live, base, follow) {
    this.follow = follow;
    this.slowWindows = 0;
    for (const video of live) {
      const state = this.state(video);
      if (performance.now() < state.busyUntil) continue; // its nudge ends on the new base rate
      this.setRate(video, this.baseOf(video, base));
    }
  }

  nudge(video, state, lead, base, now) {
    const jump = this.jumps.get(base) ?? INITIAL_JUMP * base;
    const drift = -lead - jump; // what the changed rate itself must add (s of media)
    const gain = Math.min(GAIN_RANGE[1], Math.max(GAIN_RANGE[0], Math.abs(drift) / (NUDGE_MS / 1000)));
    const ms = (Math.abs(drift) / (gain * base)) * 1000;
    this.setRate(video, base * (1 + Math.sign(drift) * gain));
    state.timer = setTimeout(() => this.setRate(video, this.baseOf(video, this.speed)), ms);
    state.busyUntil = now + ms + SETTLE_MS;
    if (now - state.last < ms + SETTLE_MS + RENUDGE_MS) {
      state.trigger = Math.min(TRIGGER_MAX, state.trigger * 1.25); // again so soon: be slower to act
    }
    state.last = now;
    state.plan = { base, lead, expected: -lead, rate: video.playbackRate, ms, jump };
    this.history = [...this.history.slice(-49), state.plan];
    state.strikes = 0;
    this.lastNudge = now;
    this.count += 1;
  }

  setRate(video, rate) {
    if (video.playbackRate === rate) return;
    video.playbackRate = rate;
    this.rateChanges += 1;
  }

  learn(plan, lead) {
    // achieved - expected = true jump - assumed jump
    const miss = lead - plan.lead - plan.expected;
    plan.after = lead;
    if (Math.abs(miss) > OUTLIER * Math.max(1, plan.base)) return;
    const jump = (this.jumps.get(plan.base) ?? INITIAL_JUMP * plan.base) + LEARN * miss;
    this.jumps.set(plan.base, Math.min(jumpRange(plan.base)[1], Math.max(jumpRange(plan.base)[0], jump)));
  }

  state(video) {
    if (!this.clips.has(video)) {
      this.clips.set(video, { strikes: 0, busyUntil: 0, timer: 0, plan: null, trigger: TRIGGER, last: -1e9 });
    }
    return this.clips.get(video);
  }
}
