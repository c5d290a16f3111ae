// The site header (templates/_nav.html): on a narrow screen its links fold into a menu
// that this button opens and closes (Escape or a click elsewhere closes it too).
(function () {
  "use strict";
  const header = document.querySelector("header.site");
  const toggle = document.getElementById("nav-toggle");
  function setOpen(open) {
    header.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  }
  toggle.addEventListener("click", () => setOpen(!header.classList.contains("nav-open")));
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") setOpen(false); });
  document.addEventListener("click", (e) => { if (!header.contains(e.target)) setOpen(false); });
})();
