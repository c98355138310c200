// The learner and progress pages: the lesson timer, knowledge checks, and an assignment
// job's progress. Loaded with `defer`; no inline scripts, nothing from elsewhere.
(() => {
  "use strict";

  const csrfToken = (root) => {
    const input = (root || document).querySelector("[name=csrfmiddlewaretoken]") ||
      document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  // Time on the lesson, counted only while the page is visible; posted with "完成本课".
  // The server checks it against the clock and caps it.
  const lessonTimer = (form) => {
    const field = form.querySelector("[data-seconds]");
    if (!field) return;
    let seconds = 0;
    let since = document.visibilityState === "visible" ? Date.now() : null;
    const settle = () => {
      if (since !== null) {
        seconds += (Date.now() - since) / 1000;
        since = Date.now();
      }
    };
    document.addEventListener("visibilitychange", () => {
      settle();
      since = document.visibilityState === "visible" ? Date.now() : null;
    });
    form.addEventListener("submit", () => {
      settle();
      field.value = String(Math.floor(seconds));
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
    });
  };

  const knowledgeCheck = (section) => {
    const button = section.querySelector("[data-check-submit]");
    const feedback = section.querySelector("[data-check-feedback]");
    const blockId = section.dataset.blockId;
    const text = section.dataset; // the messages, translated by the template
    const show = (text, correct) => {
      feedback.hidden = false;
      feedback.textContent = text;
      feedback.classList.toggle("is-correct", correct);
    };
    button.addEventListener("click", async () => {
      const choices = Array.from(section.querySelectorAll("input[type=checkbox]:checked"))
        .map((input) => Number(input.value));
      if (!choices.length) {
        show(text.msgEmpty, false);
        return;
      }
      button.disabled = true;
      try {
        const response = await fetch(section.dataset.checkUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            "X-CSRFToken": csrfToken(section),
            "X-Requested-With": "XMLHttpRequest",
          },
          body: JSON.stringify({ block_id: blockId, choices }),
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) {
          show(data.detail || text.msgFailed, false);
        } else if (data.correct) {
          show(text.msgCorrect + (data.explanation ? " " + data.explanation : ""), true);
          if (data.lesson_done) document.body.classList.add("lesson-is-done");
        } else {
          show(text.msgWrong, false);
        }
      } catch (error) {
        show(text.msgNetwork, false);
      } finally {
        button.disabled = false;
      }
    });
  };

  // An area-wide assignment: ask for its state every second until it is finished.
  const jobProgress = (section) => {
    const url = section.dataset.statusUrl;
    const progress = section.querySelector("[data-job-progress]");
    const render = (state) => {
      section.querySelectorAll("[data-job-field]").forEach((node) => {
        const key = node.dataset.jobField;
        if (key in state) node.textContent = String(state[key]);
      });
      if (progress) progress.value = state.percent;
      section.querySelector("[data-job-done]").hidden = state.status !== "done";
      section.querySelector("[data-job-failed]").hidden = state.status !== "failed";
    };
    const poll = async () => {
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (response.ok) {
          const state = await response.json();
          render(state);
          if (state.finished) return;
        }
      } catch (error) {
        // A dropped connection on a phone: keep trying.
      }
      window.setTimeout(poll, 1000);
    };
    if (section.dataset.finished !== "true") window.setTimeout(poll, 1000);
  };

  const start = () => {
    document.querySelectorAll("[data-lesson-timer]").forEach(lessonTimer);
    document.querySelectorAll("[data-knowledge-check]").forEach(knowledgeCheck);
    document.querySelectorAll("[data-job]").forEach(jobProgress);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
