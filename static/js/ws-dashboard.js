/* Staff dashboard: draws the charts from the JSON in #dashboard-charts (json_script).
 * Without JavaScript (or Chart.js) the data tables under each chart stay open. */
(function () {
  "use strict";

  var PALETTE = {
    suppliers: "#0d6efd",
    open_demands: "#fd7e14",
    partnerships: "#198754",
    approved: "#6ea8fe",
    introduced: "#0dcaf0",
    meeting_held: "#20c997",
    trial_order: "#ffc107",
    contract: "#fd7e14",
    active_supply: "#198754",
    completed: "#6c757d",
    declined: "#dc3545",
    ended: "#adb5bd",
  };
  var FALLBACK = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#d63384", "#20c997"];

  function colour(dataset, index) {
    return PALETTE[dataset.key] || FALLBACK[index % FALLBACK.length];
  }

  function draw(canvas, spec, locale) {
    var horizontal = spec.horizontal;
    var valueAxis = horizontal ? "x" : "y";
    var scales = {
      x: { stacked: spec.stacked, ticks: { precision: 0 } },
      y: { stacked: spec.stacked, ticks: { precision: 0 } },
    };
    scales[valueAxis].beginAtZero = true;
    if (horizontal) {
      // long sector names: cut the tick label, the tooltip and the table show it whole
      scales.y.ticks.callback = function (value) {
        var label = this.getLabelForValue(value);
        return label.length > 24 ? label.slice(0, 23) + "…" : label;
      };
    }
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: colour(dataset, index),
            borderWidth: 0,
            maxBarThickness: 28,
          };
        }),
      },
      options: {
        locale: locale,
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { mode: "index", intersect: false },
        },
      },
    });
  }

  function init() {
    var source = document.getElementById("dashboard-charts");
    if (!source || !window.Chart) {
      return;
    }
    var charts = JSON.parse(source.textContent);
    var locale = document.documentElement.lang || "id";
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = charts[canvas.dataset.chart];
      if (!spec) {
        return;
      }
      var box = canvas.closest("[data-chart-box]");
      box.hidden = false;
      draw(canvas, spec, locale);
      // the chart shows the numbers now: fold the table away (still one click away)
      var details = box.parentElement.querySelector("details.ws-chart-data");
      if (details) {
        details.open = false;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
