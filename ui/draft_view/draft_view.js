// The highlighted draft. Python builds the markup with every character of the draft escaped;
// here it is parsed inertly and only our own tags and attributes are kept (anything else
// becomes text), so a draft's markup can never run. A click on a sentence reports where it
// starts; a new "focus" number (a plan step's "mark its sentences") scrolls the first marked
// sentence into view and makes the marks blink once.
const TAGS = new Set(["DIV", "MARK", "SPAN"]);
const ATTRIBUTES = new Set(["class", "title", "style", "data-start"]);

function clean(node, into) {
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      into.appendChild(document.createTextNode(child.textContent));
    } else if (child.nodeType === Node.ELEMENT_NODE && TAGS.has(child.tagName)) {
      const copy = document.createElement(child.tagName.toLowerCase());
      for (const attribute of Array.from(child.attributes)) {
        if (ATTRIBUTES.has(attribute.name)) copy.setAttribute(attribute.name, attribute.value);
      }
      clean(child, copy);
      into.appendChild(copy);
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      into.appendChild(document.createTextNode(child.textContent));
    }
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const view = parentElement.querySelector(".nc-draft-view");
  // Streamlit may hand a rerun a fresh element and a fresh key: what must last is kept
  // under the name the page gave this view
  const kept = (window.__ncDraftViews = window.__ncDraftViews || {});
  const s = (kept[data.name] = kept[data.name] || {});
  if (view.__ncHtml !== data.html) {
    const parsed = new DOMParser().parseFromString(data.html, "text/html");
    view.textContent = "";
    clean(parsed.body, view);
    view.__ncHtml = data.html;
  }
  s.send = setTriggerValue;
  view.onclick = (event) => {
    const piece = event.target.closest ? event.target.closest("[data-start]") : null;
    if (piece) s.send("sentence", Number(piece.getAttribute("data-start")));
  };
  if (s.focus !== undefined && s.focus !== data.focus) {
    // after the rest of the page has been laid out, or the scroll lands in the wrong place
    setTimeout(() => {
      const marks = view.querySelectorAll("mark.nc-evidence");
      if (!marks.length) return;
      marks[0].scrollIntoView({ block: "center" });
      marks.forEach((m) => m.classList.add("nc-focus"));
      setTimeout(() => marks.forEach((m) => m.classList.remove("nc-focus")), 1600);
    }, 300);
  }
  s.focus = data.focus;
}
