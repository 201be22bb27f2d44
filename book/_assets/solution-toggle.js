// Solutions are dropdowns (sphinx-togglebutton) whose title, written by sphinx-exercise, is a link to the
// exercise. Clicking the title's words then followed the link, left the solution closed, and
// togglebutton's handler logged "button is not defined" (it only knows clicks on the title box itself).
// Here the link becomes plain text, and a click anywhere in a dropdown's title opens or closes it.
document.addEventListener("DOMContentLoaded", () => {
  for (const link of document.querySelectorAll(".dropdown > .admonition-title a")) {
    const words = document.createElement("span");
    words.append(...link.childNodes);
    link.replaceWith(words);
  }
});
document.addEventListener("click", (event) => {
  const title = event.target.closest(".dropdown > .admonition-title");
  if (!title || event.target === title || event.target.closest("button.toggle-button")) return;
  event.preventDefault();
  event.stopPropagation();          // togglebutton's own handler would fail on this target
  const button = title.querySelector("button.toggle-button");
  if (button) button.click();       // bubbles to the title: togglebutton toggles as for a click on it
}, true);
