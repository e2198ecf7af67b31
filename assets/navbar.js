/* The navbar tells where the user is: aria-current="page" on the link of the page in view
   (a dropdown's items too; the dropdown holding it is underlined by attendly.css), updated as
   Dash moves between pages without reloading. The skip link moves the keyboard focus to the
   page's content. */
(function () {
  "use strict";
  var NAVBAR = "shell-navbar";
  var LINKS = "a.nav-link[href], a.dropdown-item[href]";

  function normalise(path) { return path.replace(/\/+$/, "") || "/"; }

  function markCurrent() {
    var navbar = document.getElementById(NAVBAR);
    if (!navbar) { return; }
    var here = normalise(window.location.pathname);
    Array.prototype.forEach.call(navbar.querySelectorAll(LINKS), function (link) {
      var path = normalise(new URL(link.href, window.location.href).pathname);
      if (path === here && link.getAttribute("href") !== "#") {
        if (link.getAttribute("aria-current") !== "page") { link.setAttribute("aria-current", "page"); }
      } else if (link.hasAttribute("aria-current")) {
        link.removeAttribute("aria-current");
      }
    });
  }

  /* Dash's router announces its own history changes with this event; Back/Forward with popstate. */
  window.addEventListener("_dashprivate_pushstate", function () { window.setTimeout(markCurrent, 0); });
  window.addEventListener("popstate", function () { window.setTimeout(markCurrent, 0); });
  /* The navbar is rendered after the page loads (and again when the shell re-renders). */
  var pending = false;
  function markSoon() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; markCurrent(); });
  }
  new MutationObserver(markSoon).observe(document.documentElement, { childList: true, subtree: true });

  document.addEventListener("click", function (event) {
    var skip = event.target.closest && event.target.closest(".skip-link");
    if (!skip) { return; }
    var target = document.getElementById((skip.getAttribute("href") || "").slice(1));
    if (!target) { return; }
    event.preventDefault();
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
  });
})();
