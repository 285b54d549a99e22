// The admin page of a running run: poll its progress, show each generation's state in the
// inline table, and reload the page once the run has ended (its fields then become read-only).
(() => {
  "use strict";
  const panel = document.getElementById("run-progress");
  if (!panel) return;
  const EVERY_MS = 3000;

  const show = (data) => {
    const counts = {};
    for (const g of data.generations) counts[g.state] = (counts[g.state] || 0) + 1;
    const parts = Object.entries(counts).map(([state, n]) => `${n} ${state}`);
    panel.textContent = `Running: ${parts.join(", ")} (updated ${new Date().toLocaleTimeString()}).`;
    for (const g of data.generations) {
      const link = document.querySelector(`a[href*="/generation/${g.id}/change/"]`);
      const cell = link && link.closest("tr") && link.closest("tr").querySelector("td.field-state");
      if (cell) cell.textContent = g.state;
    }
  };

  const poll = async () => {
    try {
      const response = await fetch(panel.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (data.state !== "running") {
          window.location.reload();
          return;
        }
        show(data);
      }
    } catch (error) {
      panel.textContent = "Running (progress unavailable, retrying).";
    }
    window.setTimeout(poll, EVERY_MS);
  };
  window.setTimeout(poll, EVERY_MS);
})();
