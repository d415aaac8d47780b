/* Partnership pipeline: drop empty filters from the address; tidy rupiah amounts on
   leaving the field. (400/409 fragments are swapped site-wide: see base.html.) */
(function () {
  "use strict";

  // Filter requests leave out empty fields, so the pushed address stays short and shareable.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "pipeline-filters") {
      return;
    }
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value === "" || (Array.isArray(value) && value.join("") === "")) {
        delete params[key];
      }
    });
  });

  var lang = document.documentElement.lang || "id";
  var grouping = new Intl.NumberFormat(lang === "en" ? "en-US" : "id-ID");

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!input || input.id !== "outcome-contract_value_idr") {
      return;
    }
    var text = input.value.trim();
    if (/^\d+$/.test(text)) {
      input.value = grouping.format(Number(text));
    }
  });
})();
