// The rehearsal stage: a prompter with a large clock, stepped from the keyboard. It times how
// long each paragraph is on screen while the clock runs and, on "Finish run", hands those
// times to Python (a trigger value), which reports pace paragraph by paragraph. The draft
// arrives as data and is only ever set with textContent: its own markup shows as text.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const stage = parentElement.querySelector("#stage");
  const words = parentElement.querySelector("#words");
  const clock = parentElement.querySelector("#clock");
  const go = parentElement.querySelector("#go");
  // Streamlit may hand a rerun a fresh element and key: the run in progress is kept under
  // the name the page gave the stage, and starts afresh only for another text
  const kept = (window.__ncStages = window.__ncStages || {});
  const text = JSON.stringify(data.paragraphs);
  let s = kept[data.name];
  if (!s || s.text !== text) {
    s = kept[data.name] = { text: text, current: 0, started: null, spent: data.paragraphs.map(() => 0) };
  }
  if (words.__ncText !== text) {
    words.textContent = "";
    data.paragraphs.forEach((paragraph) => {
      const p = document.createElement("p");
      p.textContent = paragraph;
      words.appendChild(p);
    });
    words.__ncText = text;
  }
  s.blocks = Array.from(words.children);
  s.send = setTriggerValue; // the newest callback: a rerun may hand us another
  s.target = data.target_s;
  words.style.fontSize = data.font_px + "px";
  parentElement.querySelector("#target").textContent = "of " + fmt(data.target_s);

  function fmt(t) {
    t = Math.max(0, Math.round(t));
    return Math.floor(t / 60) + ":" + ("0" + (t % 60)).slice(-2);
  }
  function account() { // charge the time since the last mark to the paragraph on screen
    if (s.started === null) return;
    const now = Date.now();
    s.spent[s.current] += (now - s.started) / 1000;
    s.started = now;
  }
  function total() { account(); return s.spent.reduce((a, b) => a + b, 0); }
  function show() {
    s.blocks.forEach((p, i) => { p.className = i === s.current ? "current" : ""; });
    const here = s.blocks[s.current];
    if (here) words.scrollTop = here.offsetTop - words.offsetTop - words.clientHeight / 3;
    stage.setAttribute("data-current", String(s.current));
  }
  function tick() {
    const t = total();
    clock.textContent = fmt(t);
    clock.className = t > s.target ? "over" : (t > 0.9 * s.target ? "near" : "");
    go.textContent = s.started === null ? "Start (Space)" : "Pause (Space)";
  }
  function toggle() {
    if (s.started === null) s.started = Date.now(); else { account(); s.started = null; }
    tick();
  }
  function step(by) {
    account();
    s.current = Math.max(0, Math.min(s.blocks.length - 1, s.current + by));
    show();
  }
  function reset() {
    s.started = null; s.spent = s.spent.map(() => 0); s.current = 0; show(); tick();
  }
  function finish() {
    account(); s.started = null;
    const seconds = s.spent.map((t) => Math.round(t * 10) / 10);
    if (seconds.some((t) => t > 0)) s.send("run", { seconds: seconds });
    reset();
  }
  function full() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (stage.requestFullscreen) stage.requestFullscreen().catch(() => {});
  }
  go.onclick = toggle;
  parentElement.querySelector("#reset").onclick = reset;
  parentElement.querySelector("#finish").onclick = finish;
  parentElement.querySelector("#next").onclick = () => step(1);
  parentElement.querySelector("#back").onclick = () => step(-1);
  parentElement.querySelector("#full").onclick = full;
  stage.onkeydown = (e) => { // only while the stage has the focus: typing elsewhere is untouched
    const k = e.key;
    if (k === " ") toggle();
    else if (k === "ArrowRight" || k === "ArrowDown" || k === "PageDown" || k === "Enter") step(1);
    else if (k === "ArrowLeft" || k === "ArrowUp" || k === "PageUp") step(-1);
    else if (k === "e" || k === "E") finish();
    else if (k === "f" || k === "F") full();
    else if (k === "r" || k === "R") reset();
    else return;
    e.preventDefault();
  };
  const timer = setInterval(tick, 250);
  show(); tick();
  return () => clearInterval(timer);
}
