// Cart: send a quantity change as soon as it is made (the Update button works without this).
(function () {
  "use strict";
  document.querySelectorAll(".js-quantity-form").forEach(function (form) {
    var input = form.querySelector("input[name=quantity]");
    var button = form.querySelector(".js-quantity-submit");
    if (!input || !button) { return; }
    var initial = input.value;
    input.addEventListener("change", function () {
      if (input.value !== initial && input.checkValidity()) {
        form.requestSubmit(button);
      }
    });
  });
})();
