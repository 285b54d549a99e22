// The break-even calculator, live: re-ask the server as the form changes and swap in its
// results (numbers and chart are rendered server-side; without this module the form submits).
const DELAY_MS = 250;

function setUp(form) {
  const results = document.getElementById("breakeven-results");
  if (!results) return;
  let timer = 0;
  let latest = 0;

  async function refresh() {
    const query = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...query]) if (value === "") query.delete(key);
    const url = `${form.action}?${query}`;
    const ticket = ++latest;
    form.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" } });
      if (!response.ok || ticket !== latest) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("breakeven-results");
      if (fresh && ticket === latest) {
        results.replaceChildren(...fresh.childNodes);
        history.replaceState(null, "", url);
      }
    } finally {
      if (ticket === latest) form.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  });
  form.addEventListener("change", () => {
    clearTimeout(timer);
    refresh();
  });
}

for (const form of document.querySelectorAll("form[data-breakeven]")) setUp(form);
