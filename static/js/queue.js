// The review queue: "Select all on this page" ticks every withdrawal's checkbox.
(function () {
  "use strict";
  var all = document.querySelector("[data-select-all]");
  if (!all) { return; }
  var name = all.getAttribute("data-select-all");

  function boxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll("input[type=checkbox][name='" + name + "']"));
  }

  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("change", function (event) {
    if (event.target.name !== name) { return; }
    var list = boxes();
    var ticked = list.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
  });
})();
