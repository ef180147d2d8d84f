// The yellow cart's sheet is Bootstrap's offcanvas, which does not keep its button's
// aria-expanded up to date: do it here. Loaded by the yellow_cart macro (maybe more than once).
(function () {
  "use strict";
  if (window.yellowCartReady) { return; }
  window.yellowCartReady = true;
  function sync(event, expanded) {
    var sheet = event.target;
    if (!sheet.id) { return; }
    document.querySelectorAll("[data-yc-toggle][aria-controls='" + sheet.id + "']").forEach(
      function (button) { button.setAttribute("aria-expanded", expanded ? "true" : "false"); }
    );
  }
  document.addEventListener("shown.bs.offcanvas", function (event) { sync(event, true); });
  document.addEventListener("hidden.bs.offcanvas", function (event) { sync(event, false); });
})();
