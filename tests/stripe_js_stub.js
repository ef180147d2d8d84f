// A local stand-in for Stripe.js v3, served by tests/stripe_stub.py at /v3/ (never the real
// one: tests reach no internet). It implements the subset the pay page uses:
//   Stripe(pk).elements().create("card").mount(el) / .on("change", fn)
//   stripe.confirmCardPayment(clientSecret, {payment_method: {card}})
// The card "element" is a plain <input> for the card number inside the mounted element.
// confirmCardPayment POSTs the number to the stub's /v1/payment_intents/<id>/confirm, which
// decides: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, 4000 0027 6000 3184
// needs 3-D Secure: then a challenge frame from the stub's origin ("Complete" / "Fail") is
// shown over the page, and the promise resolves with what the buyer chose.
(function () {
  "use strict";
  var script = document.currentScript;
  var ORIGIN = new URL(script.src).origin;

  function post(path, fields) {
    var body = new URLSearchParams(fields);
    return window.fetch(ORIGIN + path, { method: "POST", body: body })
      .then(function (response) { return response.json(); });
  }

  function get(path, fields) {
    return window.fetch(ORIGIN + path + "?" + new URLSearchParams(fields))
      .then(function (response) { return response.json(); });
  }

  function CardElement() {
    this.handlers = {};
    this.input = null;
  }

  CardElement.prototype.mount = function (target) {
    var box = typeof target === "string" ? document.querySelector(target) : target;
    if (!box) { throw new Error("stub Stripe.js: nothing to mount the card element in"); }
    var input = document.createElement("input");
    input.type = "text";
    input.name = "cardnumber";
    input.inputMode = "numeric";
    input.autocomplete = "cc-number";
    input.placeholder = "Card number";
    input.setAttribute("aria-label", "Card number");
    input.setAttribute("data-stub-card", "number");
    // Styled through the CSSOM, which the page's CSP (style-src 'self') allows.
    input.style.border = "0";
    input.style.outline = "none";
    input.style.width = "100%";
    input.style.background = "transparent";
    input.style.font = "inherit";
    input.style.padding = "0";
    box.classList.add("StripeElement");
    box.appendChild(input);
    var element = this;
    input.addEventListener("focus", function () { box.classList.add("StripeElement--focus"); });
    input.addEventListener("blur", function () { box.classList.remove("StripeElement--focus"); });
    input.addEventListener("input", function () {
      var digits = element.number();
      element.emit("change", { elementType: "card", empty: digits === "", complete: digits.length >= 15 });
    });
    this.input = input;
    return this;
  };

  CardElement.prototype.on = function (name, handler) {
    (this.handlers[name] = this.handlers[name] || []).push(handler);
    return this;
  };

  CardElement.prototype.emit = function (name, event) {
    (this.handlers[name] || []).forEach(function (handler) { handler(event); });
  };

  CardElement.prototype.number = function () {
    return this.input ? this.input.value.replace(/[\s-]/g, "") : "";
  };

  function intentId(secret) { return String(secret).split("_secret_")[0]; }

  function challenge(key, secret, intent) {
    return new Promise(function (resolve) {
      var overlay = document.createElement("div");
      overlay.setAttribute("data-stub-3ds", intent.id);
      overlay.style.position = "fixed";
      overlay.style.inset = "0";
      overlay.style.background = "rgba(0, 0, 0, .45)";
      overlay.style.display = "flex";
      overlay.style.alignItems = "center";
      overlay.style.justifyContent = "center";
      overlay.style.zIndex = "2000";
      var frame = document.createElement("iframe");
      frame.name = "stub-3ds";
      frame.title = "3-D Secure test challenge";
      frame.src = ORIGIN + "/3ds/" + encodeURIComponent(intent.id) +
        "?client_secret=" + encodeURIComponent(secret);
      frame.style.width = "360px";
      frame.style.height = "260px";
      frame.style.border = "0";
      frame.style.borderRadius = "8px";
      frame.style.background = "#fff";
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
      function done(event) {
        if (event.origin !== ORIGIN || !event.data || event.data.intent !== intent.id) { return; }
        window.removeEventListener("message", done);
        overlay.remove();
        get("/v1/payment_intents/" + encodeURIComponent(intent.id), {
          key: key, client_secret: secret,
        }).then(function (after) {
          if (after.status === "succeeded") {
            resolve({ paymentIntent: after });
          } else {
            resolve({ error: after.last_payment_error || { message: "Authentication failed." } });
          }
        });
      }
      window.addEventListener("message", done);
    });
  }

  function Stripe(key) {
    if (!(this instanceof Stripe)) { return new Stripe(key); }
    this.key = key;
  }

  Stripe.prototype.elements = function () {
    return { create: function (type) {
      if (type !== "card") { throw new Error("stub Stripe.js only knows the card element"); }
      return new CardElement();
    } };
  };

  Stripe.prototype.confirmCardPayment = function (secret, data) {
    var key = this.key;
    var card = data && data.payment_method && data.payment_method.card;
    if (!(card instanceof CardElement)) {
      return Promise.reject(new Error("stub Stripe.js: pass {payment_method: {card}}"));
    }
    return post("/v1/payment_intents/" + encodeURIComponent(intentId(secret)) + "/confirm", {
      key: key,
      client_secret: secret,
      "payment_method_data[type]": "card",
      "payment_method_data[card][number]": card.number(),
    }).then(function (reply) {
      if (reply.error) { return { error: reply.error }; }
      if (reply.status === "requires_action") { return challenge(key, secret, reply); }
      return { paymentIntent: reply };
    });
  };

  window.Stripe = Stripe;
})();
