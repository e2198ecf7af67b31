/* Validation focus: a server callback writes "<element id>|<n>" into the title of an element
   with the class "focus-request" (n changes on every request); that element gets the focus, so
   a form's first invalid field is where the keyboard is when its message appears. */
(function () {
  "use strict";
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      var sink = mutation.target;
      if (!sink.classList || !sink.classList.contains("focus-request")) { return; }
      var target = (sink.getAttribute("title") || "").split("|")[0];
      var field = target && document.getElementById(target);
      if (field) { window.setTimeout(function () { field.focus(); }, 0); }
    });
  }).observe(document.documentElement, {
    subtree: true, attributes: true, attributeFilter: ["title"]
  });
})();
