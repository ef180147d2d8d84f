// Product gallery: a thumbnail shows its image in the main frame instead of opening it.
(function () {
  "use strict";
  document.querySelectorAll("[data-gallery]").forEach(function (gallery) {
    var main = gallery.querySelector("[data-gallery-main]");
    if (!main) { return; }
    gallery.querySelectorAll("[data-gallery-full]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        main.src = link.getAttribute("data-gallery-full");
        main.alt = link.getAttribute("data-gallery-alt");
        gallery.querySelectorAll("[data-gallery-full]").forEach(function (other) {
          other.classList.toggle("active", other === link);
          if (other === link) { other.setAttribute("aria-current", "true"); } else { other.removeAttribute("aria-current"); }
        });
      });
    });
  });
})();
