// Fine alignment of playing clips: briefly change one clip's playbackRate to bring it back in line.
//
// Measured in headless Chromium (docs/player.md): moving a clip with audio off 1x makes its clock
// jump back 25 ms, once, and the new rate then holds exactly; returning to 1x does not jump, and
// between two rates other than 1x (a nudge at 0.5x or 2x) nothing jumps. Naive proportional
// nudging reads that jump as fresh error and oscillates. So a nudge here is planned, not steered: jump + (rate - base) * duration = the correction, one
// nudge at a time per clip, then a settle period, and the jump estimate is learned from each result.
// Only clips ahead of the others are corrected; a clip that falls behind pulls the others back to
// it, so a correction never widens the spread it is fixing.
//
// Against limit cycles (with six clips on a loaded machine one clip kept falling behind and the
// others went through one nudge after another, 300 rate changes in 10 s): at most one nudge
// starts per NUDGE_GAP_MS over all clips (the clip furthest ahead first), and a clip nudged again
// within RENUDGE_MS of its last nudge needs a larger lead before the next one (hysteresis: the
// trigger grows from 6 to 10 ms and returns to 6 ms after CALM_MS without a nudge). A clip that
// really cannot keep up is then left to the engine's realign (spread over 100 ms). A follower
// that held the others at the slow clip's measured speed was tried and dropped: the slow clip's
// own nudges lowered its measured speed, and the followers slowed further (positive feedback).

const TRIGGER = 0.006; // s ahead of the slowest other clip before a clip is nudged (p95 target: 10 ms)
const TRIGGER_MAX = 0.01; // the trigger of a clip nudged again and again grows up to this
const CALM_MS = 2000; // a clip left alone this long gets its normal trigger back
const RENUDGE_MS = 1000; // a nudge this soon after the clip's last one raises its trigger
const NUDGE_GAP_MS = 250; // at most one nudge starts in this time, over all clips
const PERSIST = 2; // consecutive checks over the trigger (ignores a one-sample blip)
const NUDGE_MS = 200; // a nudge lasts this long; its rate offset is what the correction needs
const GAIN_RANGE = [0.03, 0.75]; // relative rate offset; the top lets the others follow a starved clip
const SETTLE_MS = 150; // a rate change reaches the clock ~50 ms late: judge once it has landed
const INITIAL_JUMP = -0.026; // leaving 1x, measured, like the range below
const JUMP_RANGE = [-0.035, -0.015]; // what was measured; a wider range let noise under load steer it
const OTHER_JUMP_RANGE = [-0.005, 0.005]; // leaving any other speed: no jump was measured
const LEARN = 0.2;
const OUTLIER = 0.02; // a result this far off was disturbed by something else: learn nothing

/**
 * The range the learned jump is kept in at `base`. Measured in headless Chromium 156 (docs/player.md):
 * leaving 1x the clock jumps back 25 ms every time, whatever the new rate (Chromium plays 1x
 * audio as it is and puts it through its time-stretcher at any other rate: the switch costs the
 * stretcher's latency); between two other rates (0.5x and 0.45x, 2x and 1.8x) it does not jump
 * (0-2 ms at 0.5x, within +-11 ms of load noise at 2x). Assuming a jump of 13 ms at 0.5x and 52 ms
 * at 2x made every nudge there miss, at 2x even speed up a clip that was ahead.
 */
function jumpRange(base) {
  return base === 1 ? JUMP_RANGE : OTHER_JUMP_RANGE;
}

const initialJump = (base) => (base === 1 ? INITIAL_JUMP : 0);

export class Nudger {
  constructor() {
    this.jumps = new Map(); // base rate -> learned clock jump (s) when leaving that rate
    this.clips = new Map(); // video -> { strikes, busyUntil, timer, plan, trigger, last }
    this.count = 0; // nudges
    this.rateChanges = 0; // playbackRate assignments (two per nudge)
    this.lastNudge = 0;
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
    const leads = live.map((video) => [video, this.lead(video, live)]);
    leads.sort((a, b) => b[1] - a[1]); // the clip furthest ahead gets the next nudge slot
    // Leaving 1x jumps the clock (see jumpRange), and spacing the nudges out is what stopped the
    // limit cycle that jump fed. At other speeds nothing jumps, and a clip starved of CPU (6 clips
    // at 2x on 2 cores) must be followed by every other clip at once, not one per 250 ms.
    const gap = base === 1 ? NUDGE_GAP_MS : 0;
    for (const [video, lead] of leads) {
      const state = this.state(video);
      if (now < state.busyUntil) continue;
      if (state.plan) this.learn(state.plan, lead);
      state.plan = null;
      if (now - state.last > CALM_MS) state.trigger = TRIGGER;
      state.strikes = lead > state.trigger ? state.strikes + 1 : 0;
      if (state.strikes >= PERSIST && now - this.lastNudge >= gap) {
        this.nudge(video, state, lead, base, now);
      }
    }
  }

  lead(video, live) {
    return video.currentTime - Math.min(...live.filter((v) => v !== video).map((v) => v.currentTime));
  }

  nudge(video, state, lead, base, now) {
    const jump = this.jumps.get(base) ?? initialJump(base);
    const drift = -lead - jump; // what the changed rate itself must add (s of media)
    const gain = Math.min(GAIN_RANGE[1], Math.max(GAIN_RANGE[0], Math.abs(drift) / (NUDGE_MS / 1000)));
    const ms = (Math.abs(drift) / (gain * base)) * 1000;
    this.setRate(video, base * (1 + Math.sign(drift) * gain));
    state.timer = setTimeout(() => this.setRate(video, base), ms);
    state.busyUntil = now + ms + SETTLE_MS;
    if (now - state.last < ms + SETTLE_MS + RENUDGE_MS) {
      state.trigger = Math.min(TRIGGER_MAX, state.trigger * 1.25); // again so soon: act later
    }
    state.last = now;
    this.lastNudge = now;
    state.plan = { base, lead, expected: -lead, rate: video.playbackRate, ms, jump };
    this.history = [...this.history.slice(-49), state.plan];
    state.strikes = 0;
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
    const jump = (this.jumps.get(plan.base) ?? initialJump(plan.base)) + LEARN * miss;
    const [low, high] = jumpRange(plan.base);
    this.jumps.set(plan.base, Math.min(high, Math.max(low, jump)));
  }

  state(video) {
    if (!this.clips.has(video)) {
      this.clips.set(video, { strikes: 0, busyUntil: 0, timer: 0, plan: null, trigger: TRIGGER, last: -1e9 });
    }
    return this.clips.get(video);
  }
}
