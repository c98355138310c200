// The attempt page: save each answer the moment it changes, count down from the server's
// deadline, and hand in when time is up. The form works without this script (its POST
// saves every answer); the script only makes saving immediate. Loaded with `defer`.
(() => {
  "use strict";

  const RETRY_MS = [1000, 2000, 5000, 10000];

  const examForm = (form) => {
    const text = form.dataset; // the messages, translated by the template
    const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    const questions = Array.from(form.querySelectorAll("[data-question]"));
    const answeredNode = form.querySelector("[data-answered]");
    const submitButton = form.querySelector("[data-submit]");
    let finishing = false;

    const chosen = (fieldset) =>
      Array.from(fieldset.querySelectorAll("input:checked")).map((input) => Number(input.value));

    const countAnswered = () => {
      const n = questions.filter((q) => chosen(q).length > 0).length;
      if (answeredNode) answeredNode.textContent = String(n);
      return n;
    };

    // Hand in through the form: its POST carries every answer, so nothing waits on a save.
    const finish = () => {
      if (finishing) return;
      finishing = true;
      const action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = "submit";
      form.appendChild(action);
      form.submit();
    };

    // One saver per question: the latest choice wins; a failed save is retried until it
    // goes through (or the attempt is closed), so a dropped connection loses nothing.
    const saver = (fieldset) => {
      const state = fieldset.querySelector("[data-save-state]");
      const url = form.dataset.apiBase + fieldset.dataset.position;
      let pending = null;
      let busy = false;
      let failures = 0;
      const show = (message, cls) => {
        state.textContent = message;
        state.classList.remove("is-saved", "is-saving", "is-error");
        if (cls) state.classList.add(cls);
      };
      const send = async () => {
        if (busy || pending === null || finishing) return;
        busy = true;
        const choices = pending;
        pending = null;
        show(text.msgSaving, "is-saving");
        let retry = false;
        try {
          const response = await fetch(url, {
            method: "PUT",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              "X-CSRFToken": csrf,
              "X-Requested-With": "XMLHttpRequest",
            },
            body: JSON.stringify({ choices }),
          });
          if (response.ok) {
            failures = 0;
            if (pending === null) show(text.msgSaved, "is-saved");
          } else if (response.status === 409) {
            // Submitted elsewhere or past the deadline: the server has the last word.
            show(text.msgClosed, "is-error");
            window.location.reload();
          } else {
            const data = await response.json().catch(() => ({}));
            show(data.detail || text.msgFailed, "is-error");
            retry = response.status >= 500;
          }
        } catch (error) {
          show(text.msgFailed, "is-error");
          retry = true;
        }
        busy = false;
        if (retry && pending === null) pending = choices;
        if (retry) {
          const wait = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
          failures += 1;
          window.setTimeout(send, wait);
        } else {
          send();
        }
      };
      window.addEventListener("online", send);
      fieldset.addEventListener("change", () => {
        pending = chosen(fieldset);
        countAnswered();
        send();
      });
    };
    questions.forEach(saver);

    form.addEventListener("submit", (event) => {
      if (finishing) return;
      if (event.submitter !== submitButton) return;
      const left = questions.length - countAnswered();
      const message = (left ? text.msgUnanswered.replace("{n}", String(left)) + "\n" : "") +
        text.msgConfirm;
      if (!window.confirm(message)) {
        event.preventDefault();
        return;
      }
      finishing = true;
    });

    // The countdown starts from the seconds the server computed when it sent the page, and
    // reads the clock each tick (a phone that slept catches up at once).
    const clock = form.querySelector("[data-countdown]");
    if (clock) {
      const end = Date.now() + Number(clock.dataset.secondsLeft) * 1000;
      const pad = (n) => String(n).padStart(2, "0");
      const tick = () => {
        const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        const h = Math.floor(left / 3600);
        const m = Math.floor((left % 3600) / 60);
        const s = left % 60;
        clock.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
        clock.classList.toggle("is-urgent", left <= 60);
        if (left <= 0) {
          clock.textContent = text.msgTimeUp;
          finish();
          return;
        }
        window.setTimeout(tick, 500);
      };
      tick();
    }
  };

  const start = () => document.querySelectorAll("[data-exam-form]").forEach(examForm);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
