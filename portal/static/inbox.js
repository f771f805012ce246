// Keyboard shortcuts for the horizon-scanning inbox: j / k move between items, r / n / p
// decide on the highlighted one. They are on unless the lead turned them off (the button on
// the page, stored per user: WCAG 2.1.4), never act while typing in a field, and only press
// the item's own buttons, so everything they do can be done without them.
const inbox = document.getElementById("inbox");

if (inbox && inbox.dataset.shortcuts === "on") {
  const items = Array.from(inbox.querySelectorAll(".app-inbox__item"));
  const KEY = "inbox-position";
  let current = -1;

  function highlight(index) {
    current = Math.max(0, Math.min(index, items.length - 1));
    items.forEach((item, n) => item.classList.toggle("app-inbox__item--current", n === current));
    return items[current];
  }

  function focusItem(index) {
    if (items.length) highlight(index).focus();
  }

  // After a decision the page reloads: highlight the same position (now the next item).
  // Focus stays on the page's confirmation message so that it is read out first.
  const saved = sessionStorage.getItem(KEY);
  if (saved !== null && items.length) {
    sessionStorage.removeItem(KEY);
    highlight(Number(saved)).scrollIntoView({ block: "nearest" });
  }

  inbox.addEventListener("focusin", (event) => {
    const index = items.indexOf(event.target.closest(".app-inbox__item"));
    if (index >= 0 && index !== current) {
      current = index;
      items.forEach((item, n) => item.classList.toggle("app-inbox__item--current", n === current));
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing =
      target.closest("textarea, select, [contenteditable]") ||
      (target.matches("input") && !["checkbox", "radio", "button", "submit"].includes(target.type));
    if (typing) return;
    const key = event.key.toLowerCase();
    if (key === "j") {
      focusItem(current + 1);
    } else if (key === "k") {
      focusItem(current < 0 ? 0 : current - 1);
    } else if (["r", "n", "p"].includes(key) && current >= 0) {
      const control = items[current].querySelector(`[data-key="${key}"]`);
      if (!control) return;
      sessionStorage.setItem(KEY, String(current));
      control.click();
    } else {
      return;
    }
    event.preventDefault();
  });
}
