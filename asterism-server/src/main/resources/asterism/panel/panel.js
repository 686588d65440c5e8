// Asterism panel: live member updates through server-sent events, and confirmations before destructive forms.
// Everything works without this script; it only saves reloads and clicks.
"use strict";

function confirmForms(root) {
  root.querySelectorAll("form[data-confirm]").forEach((form) => {
    if (form.dataset.confirmBound) {
      return;
    }
    form.dataset.confirmBound = "1";
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  confirmForms(document);
  const live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) {
    return;
  }
  const status = document.getElementById("live-status");
  const source = new EventSource(live.dataset.live);
  source.onmessage = (event) => {
    const update = JSON.parse(event.data);
    // The server renders and escapes the table; it is the same markup as the page's own.
    live.innerHTML = update.html;
    confirmForms(live);
    const state = document.getElementById("state");
    const reason = document.getElementById("reason");
    if (state) {
      state.textContent = update.state;
    }
    if (reason) {
      reason.textContent = update.reason;
    }
    if (status) {
      status.textContent = "updated live at " + new Date().toLocaleTimeString();
    }
  };
  source.onerror = () => {
    if (status) {
      status.textContent = "live updates interrupted; reconnecting…";
    }
  };
});
