// The wallet's live withdrawal preview: amount, fee and what the creator receives, as they
// type. The fee rate, minimum and available balance come from the form's data attributes
// (minor units and basis points); the server computes the same figures again on submit.
(function () {
  "use strict";
  var form = document.getElementById("withdraw-form");
  if (!form || typeof window.BigInt === "undefined") { return; }
  var input = form.querySelector("#amount");
  var show = {
    amount: form.querySelector("[data-preview-amount]"),
    fee: form.querySelector("[data-preview-fee]"),
    net: form.querySelector("[data-preview-net]"),
    problem: form.querySelector("[data-preview-problem]")
  };
  if (!input || !show.amount || !show.fee || !show.net) { return; }
  var big = window.BigInt;
  var bps = big(form.getAttribute("data-fee-bps"));
  var minimum = big(form.getAttribute("data-min-amount"));
  var available = big(form.getAttribute("data-available"));
  var digits = parseInt(form.getAttribute("data-minor-digits"), 10) || 0;
  var scale = big(10) ** big(digits);
  var money = new Intl.NumberFormat(form.getAttribute("data-locale") || undefined, {
    style: "currency", currency: form.getAttribute("data-currency") || "USD"
  });
  // The server's rule (affiliate.money.parse_amount): commas only as thousands separators.
  var PATTERN = /^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)$/;
  var HOW = "Use digits with at most " + digits + " decimals, such as 100 or 100.50.";

  function format(cents) {
    return money.format(Number(cents) / Math.pow(10, digits));
  }

  function parse(text) {
    text = text.trim();
    if (!text) { return null; }
    if (!PATTERN.test(text)) { return { error: HOW }; }
    var negative = text.charAt(0) === "-";
    var parts = text.replace(/^[+-]/, "").replace(/,/g, "").split(".");
    var fraction = (parts[1] || "").replace(/0+$/, "");
    if (fraction.length > digits) { return { error: HOW }; }
    while (fraction.length < digits) { fraction += "0"; }
    var cents = big(parts[0] || "0") * scale + big(fraction || "0");
    if (negative && cents > big(0)) { return { error: "The amount must be more than zero." }; }
    return { cents: cents };
  }

  function problemOf(cents) {
    if (cents <= big(0)) { return "The amount must be more than zero."; }
    if (cents < minimum) { return "The smallest withdrawal is " + format(minimum) + "."; }
    if (cents > available) {
      return "That is more than your available " + format(available > big(0) ? available : big(0)) + ".";
    }
    return "";
  }

  function update() {
    var parsed = parse(input.value);
    var problem = "";
    if (parsed === null || parsed.error) {
      show.amount.textContent = show.fee.textContent = show.net.textContent = "—";
      problem = parsed ? parsed.error : "";
    } else {
      var cents = parsed.cents;
      var fee = (cents * bps + big(5000)) / big(10000); // half-up, like the server
      show.amount.textContent = format(cents);
      show.fee.textContent = format(fee);
      show.net.textContent = format(cents - fee);
      problem = problemOf(cents);
    }
    if (show.problem) {
      show.problem.textContent = problem;
      show.problem.classList.toggle("d-none", !problem);
    }
  }

  input.addEventListener("input", update);
  if (input.value) { update(); }
})();
