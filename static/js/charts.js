// Seller centre charts. Data comes from a JSON block named by the canvas's
// data-chart-source attribute: {currency, labels: [ISO days], orders: [ints], gmv: [major units]}.
// No inline script runs (CSP script-src 'self'); without JavaScript the page shows a table.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }

  function readData(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (error) { return null; }
  }

  function dayLabel(iso) {
    var date = new Date(iso + "T00:00:00Z");
    return date.toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
  }

  function drawOrdersAndGmv(canvas) {
    var data = readData(canvas);
    if (!data) { return; }
    var money = new Intl.NumberFormat(undefined, { style: "currency", currency: data.currency });
    var compact = new Intl.NumberFormat(undefined, {
      style: "currency", currency: data.currency, notation: "compact", maximumFractionDigits: 1
    });
    var phone = window.matchMedia("(max-width: 575.98px)").matches;
    new window.Chart(canvas, {
      data: {
        labels: data.labels.map(dayLabel),
        datasets: [
          {
            type: "bar", label: "Orders", data: data.orders, yAxisID: "orders",
            backgroundColor: "rgba(250, 204, 21, 0.85)", borderColor: "#ca8a04", borderWidth: 1,
            order: 2
          },
          {
            type: "line", label: "GMV", data: data.gmv, yAxisID: "gmv",
            borderColor: "#111827", backgroundColor: "#111827", pointRadius: phone ? 0 : 2,
            cubicInterpolationMode: "monotone", order: 1
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: phone ? 1.3 : 3,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.yAxisID === "gmv"
                  ? "GMV: " + money.format(item.parsed.y)
                  : "Orders: " + item.parsed.y;
              }
            }
          }
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          orders: {
            type: "linear", position: "left", beginAtZero: true,
            ticks: { precision: 0 }, title: { display: !phone, text: "Orders" }
          },
          gmv: {
            type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
            ticks: { callback: function (value) { return compact.format(value); } },
            title: { display: !phone, text: "GMV" }
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart-source]").forEach(drawOrdersAndGmv);
})();
