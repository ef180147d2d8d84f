// Poll a running product import and show its progress; reload the page once it ends.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-import-status-url");
  var bar = box.querySelector("[data-import-progress]");
  var count = box.querySelector("[data-import-processed]");
  var failures = 0;

  function poll() {
    window.fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (bar) {
          bar.max = data.total_rows || 1;
          bar.value = data.processed_rows;
          bar.textContent = data.percent + "%";
        }
        if (count) { count.textContent = data.processed_rows.toLocaleString(); }
        if (data.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;
        if (failures < 10) { window.setTimeout(poll, 3000); }
      });
  }
  window.setTimeout(poll, 1000);
})();
