/* Dashboard charts (Chart.js, vendored under static/vendor/chartjs-4.6.1).
 * Progressive enhancement: every chart reads the same numbers as the table beside it, from a
 * json_script block named by the canvas's data-chart-source; without JavaScript the tables
 * carry the page. Large type and strong colours: the dashboard is shown on projectors. */
(function () {
  "use strict";

  var PALETTE = ["#a4161a", "#1f5fa8", "#d08a00", "#2e7d4f", "#6a3d9a", "#b35c7a", "#4d6b73", "#8c6d31"];

  function percentTick(value) {
    return value + "%";
  }

  function build(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source) {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    var doughnut = spec.kind === "doughnut";
    var datasets = spec.series.map(function (series, index) {
      var colour = PALETTE[index % PALETTE.length];
      return {
        label: series.label,
        data: series.data,
        backgroundColor: doughnut ? PALETTE.slice(0, series.data.length) : colour,
        borderColor: doughnut ? "#ffffff" : colour,
        borderWidth: doughnut ? 2 : 0,
        borderRadius: doughnut ? 0 : 4,
        maxBarThickness: 48
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: spec.horizontal ? "y" : "x",
      plugins: {
        legend: { position: doughnut ? "right" : "top", labels: { boxWidth: 18, padding: 16 } },
        tooltip: { titleFont: { size: 16 }, bodyFont: { size: 16 } }
      }
    };
    if (!doughnut) {
      var valueAxis = { beginAtZero: true, ticks: { precision: 0 }, grid: { color: "#ece7e1" } };
      if (spec.percent) {
        valueAxis.max = 100;
        valueAxis.ticks.callback = percentTick;
      }
      var categoryAxis = { grid: { display: false }, ticks: { autoSkip: !spec.horizontal } };
      options.scales = spec.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis };
    }
    new window.Chart(canvas, { type: doughnut ? "doughnut" : "bar", data: { labels: spec.labels, datasets: datasets }, options: options });
  }

  function linkMonthsToPeriod() {
    // Choosing a month means "chosen months": switch the period picker to it.
    var period = document.getElementById("id_period");
    ["id_from", "id_to"].forEach(function (id) {
      var input = document.getElementById(id);
      if (period && input) {
        input.addEventListener("change", function () {
          period.value = "custom";
        });
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    linkMonthsToPeriod();
    if (!window.Chart) {
      return;
    }
    window.Chart.defaults.font.size = 15;
    window.Chart.defaults.font.family = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
    window.Chart.defaults.color = "#212529";
    var canvases = document.querySelectorAll("canvas[data-chart-source]");
    for (var i = 0; i < canvases.length; i += 1) {
      build(canvases[i]);
    }
  });
})();
