// Play the 480p preview of each clip of a comparison card while the pointer (or keyboard focus)
// is on it. Posters stay as they are for visitors who asked for reduced motion or less data.
(() => {
  "use strict";
  const reduce = window.matchMedia("(prefers-reduced-motion: reduce)");
  const saveData = navigator.connection && navigator.connection.saveData;

  function start(card) {
    if (reduce.matches || saveData || card.dataset.playing) return;
    card.dataset.playing = "1";
    card.querySelectorAll("[data-preview]").forEach((cell) => {
      const video = document.createElement("video");
      video.className = "thumb-video";
      video.muted = true;
      video.loop = true;
      video.playsInline = true;
      video.preload = "auto";
      video.setAttribute("aria-hidden", "true");
      video.src = cell.dataset.preview;
      const img = cell.querySelector("img");
      if (img) video.poster = img.currentSrc || img.src;
      cell.appendChild(video);
      video.play().catch(() => {});
    });
  }

  function stop(card) {
    delete card.dataset.playing;
    card.querySelectorAll("video.thumb-video").forEach((video) => {
      video.pause();
      video.removeAttribute("src");
      video.load(); // release the connection
      video.remove();
    });
  }

  function bind(card) {
    card.addEventListener("mouseenter", () => start(card));
    card.addEventListener("mouseleave", () => stop(card));
    card.addEventListener("focusin", () => start(card));
    card.addEventListener("focusout", (event) => {
      if (!card.contains(event.relatedTarget)) stop(card);
    });
  }

  document.querySelectorAll("[data-hover-preview]").forEach(bind);
})();
