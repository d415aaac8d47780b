/* Demand pages and review queue.
 *
 * - The compare button says how many suppliers are ticked and is enabled for 2 or 3.
 * - "Tick all" on the review queue.
 */
(function () {
  "use strict";

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
