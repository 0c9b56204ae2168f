// Import job page: poll the job's state and show its progress; reload for the report when done.
// Without JavaScript the page refreshes itself (<noscript> meta refresh).
const box = document.getElementById("taak");
const statusText = document.getElementById("taak-status-tekst");
const step = document.getElementById("taak-stap");

async function poll() {
  try {
    const response = await fetch(box.dataset.statusUrl, { headers: { accept: "application/json" } });
    if (response.ok) {
      const job = await response.json();
      statusText.textContent = job.status_tekst;
      if (step) step.textContent = job.stap;
      if (job.klaar) {
        window.location.reload();
        return;
      }
    }
  } catch {
    // the server restarts or the network hiccups: try again
  }
  window.setTimeout(poll, 1000);
}

if (box && box.dataset.actief === "ja") window.setTimeout(poll, 1000);
