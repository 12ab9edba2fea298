// Keeps typed text when the writer clicks a link straight from a text box (issue 16: the
// draft seemed to vanish). Leaving a changed box commits it (Streamlit reruns the page), and a
// page link clicked in that same moment was lost, so the box's text never reached the page's
// save. Here such a click waits until that rerun is over (at most ten seconds), then goes on.
// A reload or a closed tab with text not yet committed asks first.
const FIELDS = 'textarea, input[type="text"], input:not([type])';
const SETTLE_MS = 150;
const GIVE_UP_MS = 10000;

function idle() {
  const root = document.querySelector("[data-test-script-state]");
  return !root || root.getAttribute("data-test-script-state") === "notRunning";
}

function watch() {
  let changed = null; // the focused field, once its text differs from when it got the focus
  let committedAt = 0; // when a changed field last lost the focus (Streamlit reruns then)
  const atFocus = new WeakMap();
  document.addEventListener("focusin", (e) => {
    if (e.target.matches && e.target.matches(FIELDS)) atFocus.set(e.target, e.target.value);
  });
  document.addEventListener("input", (e) => {
    if (atFocus.has(e.target)) changed = e.target.value !== atFocus.get(e.target) ? e.target : null;
  });
  document.addEventListener("focusout", (e) => {
    if (changed === e.target) { committedAt = Date.now(); changed = null; }
  });
  document.addEventListener("click", (e) => {
    const link = e.target.closest ? e.target.closest("a[href]") : null;
    if (!link || !e.isTrusted || Date.now() - committedAt > 1000) return;
    e.preventDefault();
    e.stopPropagation();
    const href = link.getAttribute("href");
    const started = Date.now();
    const follow = () => {
      const waited = Date.now() - started;
      if ((waited >= SETTLE_MS && idle()) || waited > GIVE_UP_MS) {
        committedAt = 0;
        const fresh = document.querySelector(`a[href="${CSS.escape(href)}"]`) || link;
        fresh.click();
      } else setTimeout(follow, 50);
    };
    setTimeout(follow, SETTLE_MS);
  }, true);
  window.addEventListener("beforeunload", (e) => {
    if (changed) e.preventDefault(); // the browser asks "leave the page?"
  });
}

export default function () {
  if (!window.__ncGuard) {
    window.__ncGuard = true;
    watch();
  }
}
