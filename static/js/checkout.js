// Checkout: show the new-address fields only when "A new address" is chosen.
(function () {
  "use strict";
  var panel = document.querySelector(".js-new-address");
  var choices = document.querySelectorAll(".js-address-choice");
  if (!panel || !choices.length) { return; }
  function update() {
    var chosen = document.querySelector(".js-address-choice:checked");
    panel.classList.toggle("d-none", !!chosen && chosen.value !== "new");
  }
  choices.forEach(function (choice) { choice.addEventListener("change", update); });
  update();
})();
