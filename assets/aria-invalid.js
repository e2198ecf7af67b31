/* Form validation for assistive technology: a field the server marks invalid (Bootstrap's
   "is-invalid" class, set through the components' `invalid` property) also gets
   aria-invalid="true", and loses it again when the mark is cleared. */
(function () {
  "use strict";
  function mirror(element) {
    if (!element.classList || !/^(INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) { return; }
    if (element.classList.contains("is-invalid")) {
      element.setAttribute("aria-invalid", "true");
    } else if (element.hasAttribute("aria-invalid")) {
      element.removeAttribute("aria-invalid");
    }
  }
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) { mirror(mutation.target); });
  }).observe(document.documentElement, {
    subtree: true, attributes: true, attributeFilter: ["class"]
  });
})();
