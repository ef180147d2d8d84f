// The feed's rows of product cards slide by swipe or scroll (CSS scroll-snap); where a row
// overflows, its arrow buttons show and move it by about one view.
(function () {
  "use strict";
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function setUp(slider) {
    var track = slider.querySelector("[data-slider-track]");
    var prev = slider.querySelector("[data-slider-prev]");
    var next = slider.querySelector("[data-slider-next]");
    if (!track || !prev || !next) { return; }

    function update() {
      var max = track.scrollWidth - track.clientWidth;
      var overflows = max > 4;
      prev.hidden = !overflows;
      next.hidden = !overflows;
      prev.disabled = track.scrollLeft <= 4;
      next.disabled = track.scrollLeft >= max - 4;
    }
    function move(direction) {
      track.scrollBy({ left: direction * track.clientWidth * 0.8, behavior: reduceMotion ? "auto" : "smooth" });
    }
    var pending = false;
    track.addEventListener("scroll", function () {
      if (pending) { return; }
      pending = true;
      window.requestAnimationFrame(function () { pending = false; update(); });
    }, { passive: true });
    prev.addEventListener("click", function () { move(-1); });
    next.addEventListener("click", function () { move(1); });
    window.addEventListener("resize", update);
    update();
  }

  document.querySelectorAll("[data-slider]").forEach(setUp);
})();
