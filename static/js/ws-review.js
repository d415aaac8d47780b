/* Demand pages and review queue.
 *
 * - htmx swaps 400 (field errors) and 409 (another officer acted first) responses of the
 *   review forms too: they carry the re-rendered row or list.
 * - The compare button says how many suppliers are ticked and is enabled for 2 or 3.
 * - "Tick all" on the review queue.
 */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt.closest("[data-ws-review]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function updateCompare() {
    var form = document.getElementById("compare-form");
    if (!form) return;
    var ticked = document.querySelectorAll('input[form="compare-form"][name="supplier"]:checked').length;
    var min = parseInt(form.dataset.min || "2", 10);
    var max = parseInt(form.dataset.max || "3", 10);
    var button = form.querySelector("button[type=submit]");
    var count = form.querySelector("[data-compare-count]");
    if (count) count.textContent = String(ticked);
    if (button) button.disabled = ticked < min || ticked > max;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('input[form="compare-form"][name="supplier"]')) updateCompare();
    if (target.matches("[data-tick-all]")) {
      var scope = target.closest("form") || document;
      scope.querySelectorAll('input[name="pair"]:not(:disabled)').forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });

  document.addEventListener("htmx:afterSwap", updateCompare);
  document.addEventListener("DOMContentLoaded", updateCompare);
})();
