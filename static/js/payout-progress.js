// The Finance centre's payouts page: poll the progress JSON every 2 s and update the counts
// by state and the latest bulk run's progress bar, without a reload.
(function () {
  "use strict";
  // A download leaves the page where it is: give its button back (app.js disables it).
  document.querySelectorAll("form[data-download]").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
      }, 1500);
    });
  });

  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  var failedAtLoad = parseInt(box.getAttribute("data-failed"), 10) || 0;
  var INTERVAL = 2000;
  var failures = 0;

  function setText(selector, text) {
    var element = box.querySelector(selector);
    if (element) { element.textContent = text; }
  }

  function render(data) {
    Object.keys(data.counts).forEach(function (key) {
      setText("[data-count='" + key + "']", data.counts[key].toLocaleString());
    });
    var run = data.run;
    var bar = box.querySelector("[data-run-bar]");
    if (run && bar) {
      bar.max = run.total || 1;
      bar.value = run.done;
      bar.textContent = run.percent + "%";
      setText("[data-run-text]", run.done + " of " + run.total + " done (" + run.percent + "%)" +
        (run.finished ? ": finished" : ""));
      var c = run.counts;
      setText("[data-run-detail]", c.approved + " queued · " + c.processing + " processing · " +
        c.paid + " paid · " + c.failed + " failed" + (c.rejected ? " · " + c.rejected + " rejected" : ""));
    }
    var notice = box.querySelector("[data-failed-notice]");
    if (notice) { notice.classList.toggle("d-none", data.counts.failed <= failedAtLoad); }
  }

  function later(delay) { window.setTimeout(poll, delay); }

  function poll() {
    if (document.hidden) { later(INTERVAL); return; }
    window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        render(data);
        later(INTERVAL);
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) { later(INTERVAL * 3); }
      });
  }
  later(INTERVAL);
})();
