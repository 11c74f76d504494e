// "Run due routines now": the tick Cloud Scheduler sends every minute, sent now
// (POST /_sandbox/routines/tick pushes it to the responder's /routines).
const button = document.getElementById("tick-routines");
if (button) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const response = await fetch("/_sandbox/routines/tick", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      const result = await response.json();
      button.title = result.ok ? "Ticked: due routines are running" : `Not ticked: ${result.error || result.status}`;
    } finally {
      button.disabled = false;
    }
  });
}
