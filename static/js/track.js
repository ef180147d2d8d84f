// Tracking beacons for creators' content (views, yellow-cart opens, product-card clicks).
//
// Include on a video or live page, after base.html's <meta name="csrf-token">:
//   <script src="{{ url_for('static', filename='js/track.js') }}" defer></script>
//
// The contract with the templates (data attributes):
// - data-track-view + data-content-id="42" on any element (usually the player): one "view"
//   of content 42 is reported when the page has loaded. One per element.
// - data-track="cart_open" + data-content-id="42" on the yellow-cart button: a click on it
//   reports a yellow-cart open.
// - data-track="click" + data-content-id="42" + data-product-id="7" on a product card (or
//   its link / button): a click reports a product-card click. The product must be on that
//   content's yellow cart, or the server answers 400.
// Clicks are caught by one listener on the document, so cards inserted later (a live's new
// pinned product) are tracked without re-binding. Add-to-cart and orders are recorded by the
// server, never from here.
//
// Each report is a POST of a FormData (kind, content_id, product_id?, csrf_token) to
// /t/events (or the URL in data-endpoint on this script tag) by navigator.sendBeacon, so it
// survives the page being left; fetch(keepalive) where sendBeacon is missing or refuses.
// The server answers 204 and counts a visitor's repeats within 30 minutes once.
(function () {
  "use strict";

  var script = document.currentScript;
  var endpoint = (script && script.getAttribute("data-endpoint")) || "/t/events";
  var KINDS = { view: true, cart_open: true, click: true };

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function send(kind, contentId, productId) {
    if (!KINDS[kind] || !contentId) { return; }
    var form = new FormData();
    form.append("kind", kind);
    form.append("content_id", contentId);
    if (productId) { form.append("product_id", productId); }
    form.append("csrf_token", csrfToken());
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(endpoint, form)) { return; }
    } catch (error) { /* fall back to fetch */ }
    if (window.fetch) {
      window.fetch(endpoint, {
        method: "POST", body: form, keepalive: true, credentials: "same-origin"
      }).catch(function () { /* tracking never breaks the page */ });
    }
  }

  function reportViews() {
    document.querySelectorAll("[data-track-view]").forEach(function (element) {
      send("view", element.getAttribute("data-content-id"));
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-track]") : null;
    if (!target) { return; }
    send(
      target.getAttribute("data-track"),
      target.getAttribute("data-content-id"),
      target.getAttribute("data-product-id")
    );
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reportViews);
  } else {
    reportViews(); // a deferred script can run after DOMContentLoaded was dispatched
  }
})();
