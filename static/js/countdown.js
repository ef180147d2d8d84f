// Flash deal countdowns: <time data-countdown="ISO end"> reads "ends 25 Nov, 18:00 UTC"
// without JavaScript; with it, it counts down ("Ends in 2d 03:04:05") and says when it ended.
(function () {
  "use strict";
  var timers = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));
  if (!timers.length) { return; }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function left(ms) {
    var total = Math.floor(ms / 1000);
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    var clock = pad(hours) + ":" + pad(minutes) + ":" + pad(seconds);
    return (days ? days + "d " : "") + clock;
  }

  var items = timers.map(function (el) {
    var end = Date.parse(el.getAttribute("data-countdown"));
    if (isNaN(end)) { return null; }
    // Screen readers keep the fixed end time; the ticking clock beside it is for the eyes,
    // so that nothing is announced every second.
    var clock = document.createElement("span");
    clock.className = "shop-promo-countdown-clock";
    clock.setAttribute("aria-hidden", "true");
    el.classList.add("visually-hidden");
    el.parentNode.insertBefore(clock, el.nextSibling);
    return { el: clock, end: end };
  }).filter(Boolean);

  function tick() {
    var now = Date.now();
    var running = false;
    items.forEach(function (item) {
      var ms = item.end - now;
      if (ms <= 0) {
        item.el.textContent = "Deal ended: reload for the current price";
        item.el.classList.add("shop-promo-countdown-ended");
      } else {
        item.el.textContent = "Ends in " + left(ms);
        running = true;
      }
    });
    if (!running) { window.clearInterval(timer); }
  }

  var timer = window.setInterval(tick, 1000);
  tick();
})();
