/* Partnership pipeline: let HTMX swap in form fragments that carry field errors (400) or
   a conflict (409), which htmx 2 would otherwise drop; drop empty filters from the address;
   tidy rupiah amounts on leaving the field. */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

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
