// Small progressive enhancements; the pages work without them.
(function () {
  "use strict";
  // Ask before destructive actions marked with data-confirm.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Disable a form's submit buttons once it is sent, so one click is one request.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    var buttons = event.target.querySelectorAll("button[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (button) { button.disabled = true; });
    }, 0);
  });
})();
