// Blind arena: report how much of each clip really played, with the vote.
// For each video, add up the stretches it played at normal pace (a seek is not watching), and
// before the vote form is sent, write the share of each clip's length into its hidden input.
// The server also checks the time the pair was on screen, so this report alone cannot make a
// too-fast vote count.
(function () {
  "use strict";
  const form = document.querySelector("[data-arena-vote]");
  if (!form) return;
  const videos = Array.from(document.querySelectorAll("[data-compare-player] video"));
  const played = videos.map(() => 0);
  const last = videos.map(() => null);
  const MAX_STEP = 1.5; // seconds of media between two timeupdate events at most, when playing

  videos.forEach((video, i) => {
    video.addEventListener("timeupdate", () => {
      const now = video.currentTime;
      const step = last[i] === null ? 0 : now - last[i];
      if (!video.seeking && step > 0 && step <= MAX_STEP * Math.max(video.playbackRate, 1)) {
        played[i] += step;
      }
      last[i] = now;
    });
    video.addEventListener("seeking", () => { last[i] = null; });
    video.addEventListener("ended", () => { last[i] = null; });
  });

  function share(i) {
    const duration = videos[i] && videos[i].duration;
    if (!duration || !isFinite(duration)) return "";
    return Math.min(played[i] / duration, 1).toFixed(3);
  }

  form.addEventListener("submit", () => {
    form.querySelectorAll("[data-watched]").forEach((input) => {
      input.value = share(Number(input.dataset.watched));
    });
  });
  window.arenaWatch = { played, share };
})();
