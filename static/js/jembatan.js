// Behaviour every page shares, kept out of the templates so that the Content-Security-
// Policy can forbid inline scripts and styles (no hx-on, no style="" attributes).
(function () {
  "use strict";

  // Sizes come from data attributes and are set through the CSSOM, which the policy
  // allows: data-width="37.5" (a percentage) and data-chart-rows="12" (--ws-chart-rows).
  function applySizes(root) {
    root.querySelectorAll("[data-width]").forEach(function (element) {
      var width = parseFloat(element.getAttribute("data-width"));
      if (!isNaN(width)) { element.style.width = width + "%"; }
    });
    root.querySelectorAll("[data-chart-rows]").forEach(function (element) {
      element.style.setProperty("--ws-chart-rows", element.getAttribute("data-chart-rows"));
    });
  }
  applySizes(document);
  // After every swap, in the same task as the insertion (no frame without the width).
  ["htmx:afterSwap", "htmx:oobAfterSwap", "htmx:afterSettle"].forEach(function (name) {
    document.addEventListener(name, function () { applySizes(document); });
  });

  // Filter forms marked data-drop-empty-params leave empty fields out of the URL.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.target.closest || !event.target.closest("[data-drop-empty-params]")) { return; }
    var parameters = event.detail.parameters;
    Array.from(parameters.keys()).forEach(function (key) {
      if (parameters.get(key) === "") { parameters.delete(key); }
    });
  });

  // A <select data-keep-value> whose options are replaced keeps its choice when the new
  // options still offer it (the regency list after a province change).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.matches && target.matches("select[data-keep-value]")) {
      target.dataset.keep = target.value;
    }
    // Containers marked data-swap-bad-request show a 400 answer (the form with its errors).
    if (event.detail.xhr && event.detail.xhr.status === 400 && event.target.closest &&
        event.target.closest("[data-swap-bad-request]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.matches || !target.matches("select[data-keep-value]")) { return; }
    var keep = target.dataset.keep;
    if (keep && Array.from(target.options).some(function (o) { return o.value === keep; })) {
      target.value = keep;
    }
  });

  // Buttons with data-confirm ask before their form is sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });

  // A second click while the first submission is on its way would post the form twice
  // (the server recognises repeats too): disable the buttons once the form is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.querySelector("[data-once]")) { return; }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    }, 0);
  });
})();
