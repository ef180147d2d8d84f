// Seller centre enhancements (the forms work without them): add variant rows in place,
// dim rows marked for removal, and suggest a store handle from its name.
(function () {
  "use strict";

  var rows = document.getElementById("variant-rows");
  var template = document.getElementById("variant-row-template");
  var addButton = document.getElementById("add-variant");
  if (rows && template && addButton) {
    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(rows.getAttribute("data-next-index") || "0", 10);
      var html = template.innerHTML.replace(/__index__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      rows.setAttribute("data-next-index", String(index + 1));
      var added = rows.lastElementChild.querySelector("input:not([type=hidden])");
      if (added) { added.focus(); }
    });
    rows.addEventListener("change", function (event) {
      var box = event.target;
      if (box.classList && box.classList.contains("variant-remove")) {
        box.closest(".variant-row").classList.toggle("opacity-50", box.checked);
      }
    });
  }

  var storeForm = document.querySelector("form[data-handle-from-name]");
  if (storeForm) {
    var name = storeForm.querySelector("#name");
    var handle = storeForm.querySelector("#handle");
    var edited = handle && handle.value !== "";
    if (name && handle) {
      handle.addEventListener("input", function () { edited = handle.value !== ""; });
      name.addEventListener("input", function () {
        if (edited) { return; }
        handle.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
          .toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40)
          .replace(/-+$/, "");
      });
    }
  }
})();
