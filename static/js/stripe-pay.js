// The pay page of a Stripe payment: mount Stripe.js's card form, confirm the PaymentIntent in
// the browser (Stripe.js runs 3-D Secure when the bank asks for it), then wait for our server
// to hear Stripe's signed webhook: only that marks the order paid. A decline is shown here,
// without a reload, and the buyer may try again.
(function () {
  "use strict";
  var form = document.getElementById("stripe-pay-form");
  if (!form) { return; }
  var button = document.getElementById("stripe-pay-button");
  var errors = document.getElementById("card-errors");
  var confirming = document.getElementById("stripe-confirming");
  var slow = document.getElementById("stripe-slow");
  var statusUrl = form.getAttribute("data-status-url");
  var secret = form.getAttribute("data-client-secret");
  var INTERVAL = 1500;
  var SLOW_AFTER = 40; // polls (about a minute)
  var polls = 0;

  function showError(message) {
    errors.textContent = message || "";
    errors.hidden = !message;
  }

  function ready(isReady) {
    button.disabled = !isReady;
    button.textContent = isReady ? button.getAttribute("data-label") : "Processing…";
  }

  function showConfirming() {
    form.hidden = true;
    confirming.hidden = false;
    poll();
  }

  function later() { window.setTimeout(poll, INTERVAL); }

  function poll() {
    polls += 1;
    if (polls === SLOW_AFTER) { slow.hidden = false; }
    window.fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (data) {
        // Stripe took the card: only its webhook can move us on (an earlier decline may
        // still read "failed" until then).
        if (data.next && (data.status === "succeeded" || data.status === "cancelled")) {
          window.location.assign(data.next);
        } else {
          later();
        }
      })
      .catch(later);
  }

  form.hidden = false;
  if (typeof window.Stripe !== "function") {
    showError("The card form could not load. Check your connection, then reload this page.");
    return;
  }
  var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  card.on("change", function (event) {
    showError(event.error ? event.error.message : "");
  });
  ready(true);

  if (form.hasAttribute("data-confirming")) {
    showConfirming();
    return;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    ready(false);
    showError("");
    stripe.confirmCardPayment(secret, { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          ready(true);
          showError(result.error.message || "The payment failed. Try another card.");
          return;
        }
        showConfirming();
      })
      .catch(function () {
        ready(true);
        showError("The card processor is not answering. Check your connection and try again.");
      });
  });
})();
