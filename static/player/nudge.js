// Fine alignment of playing clips: briefly change one clip's playbackRate to bring it back in line.
//
// Measured in headless Chromium (docs/player.md): moving a clip with audio off its base rate makes
// its clock jump back about 25 ms, once, and the new rate then holds exactly; returning to the base
// rate does not jump. Naive proportional nudging reads that jump as fresh error and oscillates.
// So a nudge here is planned, not steered: jump + (rate - base) * duration = the correction, one
// nudge at a time per clip, then a settle period, and the jump estimate is learned from each result.
// Only clips ahead of the others are corrected; a clip that falls behind pulls the others back to
// it, so a correction never widens the spread it is fixing.

const TRIGGER = 0.006; // s ahead of the slowest other clip before a clip is nudged (p95 target: 10 ms)
const PERSIST = 2; // consecutive checks over the trigger (ignores a one-sample blip)
const NUDGE_MS = 200; // a nudge lasts this long; its rate offset is what the correction needs
const GAIN_RANGE = [0.03, 0.75]; // relative rate offset; the top lets the others follow a starved clip
const SETTLE_MS = 150; // a rate change reaches the clock ~50 ms late: judge once it has landed
const INITIAL_JUMP = -0.026;
const JUMP_RANGE = [-0.035, -0.015]; // what was measured; a wider range let noise under load steer it
const LEARN = 0.2;
const OUTLIER = 0.02; // a result this far off was disturbed by something else: learn nothing

export class Nudger {
  constructor() {
    this.jumps = new Map(); // base rate -> learned clock jump (s) when leaving that rate
    this.clips = new Map(); // video -> { strikes, busyUntil, timer, plan }
    this.count = 0;
    this.history = []; // the last nudges and their outcomes, for the drift test and debugging
  }

  /** Forget all plans (a coordinated start resets every rate itself). */
  reset() {
    for (const state of this.clips.values()) clearTimeout(state.timer);
    this.clips.clear();
  }

  /** Look at the playing clips once; start a nudge on any clip persistently ahead. */
  update(live, base) {
    if (live.length < 2) return;
    const now = performance.now();
    for (const video of live) {
      const state = this.state(video);
      if (now < state.busyUntil) continue;
      const lead = video.currentTime - Math.min(...live.filter((v) => v !== video).map((v) => v.currentTime));
      if (state.plan) this.learn(state.plan, lead);
      state.plan = null;
      state.strikes = lead > TRIGGER ? state.strikes + 1 : 0;
      if (state.strikes >= PERSIST) this.nudge(video, state, lead, base, now);
    }
  }

  nudge(video, state, lead, base, now) {
    const jump = this.jumps.get(base) ?? INITIAL_JUMP;
    const drift = -lead - jump; // what the changed rate itself must add (s of media)
    const gain = Math.min(GAIN_RANGE[1], Math.max(GAIN_RANGE[0], Math.abs(drift) / (NUDGE_MS / 1000)));
    const ms = (Math.abs(drift) / (gain * base)) * 1000;
    video.playbackRate = base * (1 + Math.sign(drift) * gain);
    state.timer = setTimeout(() => (video.playbackRate = base), ms);
    state.busyUntil = now + ms + SETTLE_MS;
    state.plan = { base, lead, expected: -lead, rate: video.playbackRate, ms, jump };
    this.history = [...this.history.slice(-49), state.plan];
    state.strikes = 0;
    this.count += 1;
  }

  learn(plan, lead) {
    // achieved - expected = true jump - assumed jump
    const miss = lead - plan.lead - plan.expected;
    plan.after = lead;
    if (Math.abs(miss) > OUTLIER) return;
    const jump = (this.jumps.get(plan.base) ?? INITIAL_JUMP) + LEARN * miss;
    this.jumps.set(plan.base, Math.min(JUMP_RANGE[1], Math.max(JUMP_RANGE[0], jump)));
  }

  state(video) {
    if (!this.clips.has(video)) this.clips.set(video, { strikes: 0, busyUntil: 0, timer: 0, plan: null });
    return this.clips.get(video);
  }
}
