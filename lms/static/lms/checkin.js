// Drills, training sessions and the calendar: the leader's rotating check-in QR code, the
// paper sign-in sheet's select-all, and copying the calendar address. Loaded with `defer`;
// no inline scripts, nothing from elsewhere.
(() => {
  "use strict";

  // The QR code changes every 30 seconds: ask the server for the new one just after the
  // window turns (it says how many seconds are left), and show the countdown meanwhile.
  const checkinQr = (panel) => {
    const image = panel.querySelector("[data-qr-image]");
    const seconds = panel.querySelector("[data-qr-seconds]");
    const count = panel.querySelector("[data-qr-count]");
    const error = panel.querySelector("[data-qr-error]");
    let deadline = Date.now() + Number(panel.dataset.expiresIn || 30) * 1000;
    let timer = null;
    let stopped = false;

    const schedule = (ms) => {
      window.clearTimeout(timer);
      if (!stopped) timer = window.setTimeout(refresh, Math.max(ms, 500));
    };
    const render = (state) => {
      image.src = state.qr;
      panel.dataset.token = state.token;
      panel.dataset.checkinUrl = state.url;
      if (count) count.textContent = String(state.checked_in);
      deadline = Date.now() + state.expires_in * 1000;
    };
    const stop = () => {
      stopped = true;
      image.hidden = true;
      if (error) {
        error.hidden = false;
        error.textContent = panel.dataset.msgEnded;
      }
    };
    async function refresh() {
      try {
        const response = await fetch(panel.dataset.tokenUrl, {
          credentials: "same-origin",
          cache: "no-store",
          headers: { Accept: "application/json" },
        });
        if (response.status === 409 || response.status === 404) {
          stop();
          return;
        }
        if (!response.ok) throw new Error(String(response.status));
        render(await response.json());
        if (error) error.hidden = true;
        schedule(deadline - Date.now() + 300);
      } catch (problem) {
        // A dropped connection on a phone: say so and try again soon.
        if (error) error.hidden = false;
        schedule(3000);
      }
    }

    window.setInterval(() => {
      if (seconds) seconds.textContent = String(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
    }, 1000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") refresh();
    });
    schedule(deadline - Date.now() + 300);

    // Keep the screen on while the code is shown, where the browser allows it.
    if ("wakeLock" in navigator) {
      const lock = () => navigator.wakeLock.request("screen").catch(() => {});
      lock();
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") lock();
      });
    }
  };

  const sheet = (form) => {
    const boxes = () => Array.from(form.querySelectorAll("input[type=checkbox]:not(:disabled)"));
    const all = form.querySelector("[data-sheet-all]");
    const none = form.querySelector("[data-sheet-none]");
    if (all) all.addEventListener("click", () => boxes().forEach((box) => { box.checked = true; }));
    if (none) none.addEventListener("click", () => boxes().forEach((box) => { box.checked = false; }));
    // Choosing a role or typing minutes means the member was there.
    form.querySelectorAll("[data-sheet-row]").forEach((row) => {
      const box = row.querySelector("input[type=checkbox]");
      row.querySelectorAll("select, input[type=number]").forEach((field) => {
        field.addEventListener("change", () => { if (box && !box.disabled) box.checked = true; });
      });
    });
  };

  const copyButton = (button) => {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      if (!field) return;
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (problem) {
        field.select();
        document.execCommand("copy");
      }
      const label = button.textContent;
      button.textContent = button.dataset.msgCopied;
      window.setTimeout(() => { button.textContent = label; }, 2000);
    });
  };

  const start = () => {
    document.querySelectorAll("[data-checkin-qr]").forEach(checkinQr);
    document.querySelectorAll("[data-sheet]").forEach(sheet);
    document.querySelectorAll("[data-copy]").forEach(copyButton);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
