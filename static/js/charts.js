// Dashboard charts. Data comes from a JSON block named by the canvas's data-chart-source
// attribute; the canvas's data-chart-kind picks the chart:
// - (none) orders and GMV: {currency, labels: [ISO days], orders: [ints], gmv: [major units],
//   commission?: [major units]} (Seller centre; the affiliate tab adds commission);
// - "activity": {currency, labels, views: [ints], clicks: [ints], orders: [ints], gmv: [major
//   units]} (Creator centre: views and product clicks as lines, orders as bars, GMV on the right);
// - "payouts": {by: "day"|"month", currency, labels: [ISO days or "YYYY-MM"], counts: [ints],
//   paid_out: [major units], fees: [major units]} (Finance centre: paid out as bars, fees earned
//   as a line on the right, withdrawals paid in the tooltip);
// - "promotions": {currency, labels: [ISO days], gmv: [major units], discount: [major units]}
//   (Seller centre, Marketing: promoted GMV as bars, discount spent as a line on the right).
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

  function moneyFormats(currency) {
    return {
      full: new Intl.NumberFormat(undefined, { style: "currency", currency: currency }),
      compact: new Intl.NumberFormat(undefined, {
        style: "currency", currency: currency, notation: "compact", maximumFractionDigits: 1
      })
    };
  }

  function drawOrdersAndGmv(canvas, data) {
    var formats = moneyFormats(data.currency);
    var money = formats.full;
    var compact = formats.compact;
    var phone = window.matchMedia("(max-width: 575.98px)").matches;
    var datasets = [
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
    ];
    if (data.commission) {
      datasets.push({
        type: "line", label: "Commission", data: data.commission, yAxisID: "gmv",
        borderColor: "#db2777", backgroundColor: "#db2777", borderDash: [5, 4],
        pointRadius: phone ? 0 : 2, cubicInterpolationMode: "monotone", order: 0
      });
    }
    new window.Chart(canvas, {
      data: {
        labels: data.labels.map(dayLabel),
        datasets: datasets
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
                  ? item.dataset.label + ": " + money.format(item.parsed.y)
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

  function drawActivity(canvas, data) {
    var formats = moneyFormats(data.currency);
    var phone = window.matchMedia("(max-width: 575.98px)").matches;
    var point = phone ? 0 : 2;
    new window.Chart(canvas, {
      data: {
        labels: data.labels.map(dayLabel),
        datasets: [
          {
            type: "line", label: "Views", data: data.views, yAxisID: "counts",
            borderColor: "#2563eb", backgroundColor: "#2563eb", pointRadius: point,
            cubicInterpolationMode: "monotone", order: 1
          },
          {
            type: "line", label: "Product clicks", data: data.clicks, yAxisID: "counts",
            borderColor: "#16a34a", backgroundColor: "#16a34a", pointRadius: point,
            cubicInterpolationMode: "monotone", order: 1
          },
          {
            type: "bar", label: "Orders", data: data.orders, yAxisID: "orders",
            backgroundColor: "rgba(250, 204, 21, 0.85)", borderColor: "#ca8a04", borderWidth: 1,
            order: 3
          },
          {
            type: "line", label: "GMV", data: data.gmv, yAxisID: "gmv",
            borderColor: "#111827", backgroundColor: "#111827", borderDash: [5, 4],
            pointRadius: point, cubicInterpolationMode: "monotone", order: 0
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: phone ? 1.1 : 3,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.dataset.yAxisID === "gmv"
                  ? formats.full.format(item.parsed.y) : item.parsed.y;
                return item.dataset.label + ": " + value;
              }
            }
          }
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          counts: {
            type: "linear", position: "left", beginAtZero: true,
            ticks: { precision: 0 }, title: { display: !phone, text: "Views and clicks" }
          },
          // Orders are few beside views: their own (unlabelled) scale keeps the bars readable.
          orders: {
            type: "linear", position: "left", beginAtZero: true, display: false,
            ticks: { precision: 0 }
          },
          gmv: {
            type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
            ticks: { callback: function (value) { return formats.compact.format(value); } },
            title: { display: !phone, text: "GMV" }
          }
        }
      }
    });
  }

  function monthLabel(iso) {
    var date = new Date(iso + "-01T00:00:00Z");
    return date.toLocaleDateString(undefined, { month: "short", year: "numeric", timeZone: "UTC" });
  }

  // Money as bars on the left axis and a money line on the right one (payouts, promotions).
  function drawBarAndLine(canvas, data, spec) {
    var formats = moneyFormats(data.currency);
    var phone = window.matchMedia("(max-width: 575.98px)").matches;
    var money = function (value) { return formats.compact.format(value); };
    var tooltip = {
      label: function (item) { return item.dataset.label + ": " + formats.full.format(item.parsed.y); }
    };
    if (spec.footer) { tooltip.footer = spec.footer; }
    new window.Chart(canvas, {
      data: {
        labels: spec.labels,
        datasets: [
          {
            type: "bar", label: spec.bar.label, data: spec.bar.data, yAxisID: "bar",
            backgroundColor: "rgba(250, 204, 21, 0.85)", borderColor: "#ca8a04", borderWidth: 1,
            order: 2
          },
          {
            type: "line", label: spec.line.label, data: spec.line.data, yAxisID: "line",
            borderColor: spec.line.color, backgroundColor: spec.line.color,
            pointRadius: phone ? 0 : 2, cubicInterpolationMode: "monotone", order: 1
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: phone ? 1.3 : spec.aspectRatio,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" }, tooltip: { callbacks: tooltip } },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
          bar: {
            type: "linear", position: "left", beginAtZero: true, ticks: { callback: money },
            title: { display: !phone, text: spec.bar.axis }
          },
          line: {
            type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
            ticks: { callback: money }, title: { display: !phone, text: spec.line.axis }
          }
        }
      }
    });
  }

  function drawPayouts(canvas, data) {
    drawBarAndLine(canvas, data, {
      labels: data.labels.map(data.by === "month" ? monthLabel : dayLabel),
      bar: { label: "Paid out", data: data.paid_out, axis: "Paid out" },
      line: { label: "Fees earned", data: data.fees, axis: "Fees", color: "#111827" },
      aspectRatio: 2,
      footer: function (items) {
        var n = items.length ? data.counts[items[0].dataIndex] : 0;
        return n + (n === 1 ? " withdrawal paid" : " withdrawals paid");
      }
    });
  }

  function drawPromotions(canvas, data) {
    drawBarAndLine(canvas, data, {
      labels: data.labels.map(dayLabel),
      bar: { label: "Promoted GMV", data: data.gmv, axis: "Promoted GMV" },
      line: { label: "Discount spent", data: data.discount, axis: "Discount spent", color: "#db2777" },
      aspectRatio: 3
    });
  }

  var kinds = { activity: drawActivity, payouts: drawPayouts, promotions: drawPromotions };

  document.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
    var data = readData(canvas);
    if (!data) { return; }
    var draw = kinds[canvas.getAttribute("data-chart-kind")] || drawOrdersAndGmv;
    draw(canvas, data);
  });
})();
