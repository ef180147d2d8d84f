// A live's viewer page follows the creator's pin without reloading: while the page is visible
// it polls state.json (every 1.5 s while live, every 10 s while waiting for the start) and,
// when the version changes, redraws the pinned card and the state badge. The card is built
// node by node with textContent/setAttribute, never innerHTML, and matches the markup of the
// product_card macro (templates/creators/_yellow_cart.html). A live that starts or ends
// reloads the page once: its layout changes. The live's deals ([data-live-deal]) follow every
// poll (units left, sold out, ended), and a running deal counts down to its end each second.
(function () {
  "use strict";
  var page = document.querySelector("[data-live-state-url]");
  if (!page) { return; }
  var url = page.getAttribute("data-live-state-url");
  var state = page.getAttribute("data-live-state");
  var version = page.getAttribute("data-live-version");
  var slot = page.querySelector("[data-live-pinned]");
  var badge = page.querySelector("[data-live-badge]");
  var tokenMeta = document.querySelector("meta[name='csrf-token']");
  var LIVE_EVERY = 1500;
  var WAITING_EVERY = 10000;
  var BADGES = { live: "Live", scheduled: "Scheduled", ended: "Ended" };
  var timer = null;
  var inFlight = false;
  var stopped = false;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function hidden(name, value) {
    var input = el("input");
    input.setAttribute("type", "hidden");
    input.setAttribute("name", name);
    input.setAttribute("value", String(value));
    return input;
  }

  function cartForm(card, buyNow) {
    var form = el("form", "flex-fill");
    form.setAttribute("method", "post");
    form.setAttribute("action", card.cart_url);
    form.appendChild(hidden("csrf_token", tokenMeta ? tokenMeta.getAttribute("content") : ""));
    form.appendChild(hidden("product_id", card.product_id));
    form.appendChild(hidden("variant_id", card.variant_id));
    form.appendChild(hidden("next", card.next_url));
    if (buyNow) { form.appendChild(hidden("buy_now", "1")); }
    var button = el(
      "button",
      buyNow ? "btn btn-sm btn-warning fw-semibold w-100" : "btn btn-sm btn-outline-primary w-100",
      buyNow ? "Buy now" : "Add to cart"
    );
    button.setAttribute("type", "submit");
    button.setAttribute(
      "aria-label", buyNow ? "Buy now: " + card.title : "Add to cart: " + card.title
    );
    form.appendChild(button);
    return form;
  }

  function buildCard(card) {
    var article = el("article", "card yc-card yc-card-pinned");
    article.setAttribute("data-product-id", String(card.product_id));

    var main = el("div", "yc-card-main position-relative d-flex gap-2 p-2");
    if (card.thumb_url) {
      var img = el("img", "yc-card-thumb");
      img.setAttribute("src", card.thumb_url);
      img.setAttribute("alt", "");
      img.setAttribute("width", "72");
      img.setAttribute("height", "72");
      img.setAttribute("loading", "lazy");
      main.appendChild(img);
    } else {
      var placeholder = el("span", "yc-card-thumb shop-placeholder");
      placeholder.setAttribute("aria-hidden", "true");
      placeholder.appendChild(el("span", null, card.title.slice(0, 1).toUpperCase()));
      main.appendChild(placeholder);
    }
    var text = el("div", "yc-card-text");
    text.appendChild(el("span", "badge text-bg-danger yc-pin-badge mb-1", "Pinned"));
    var link = el(
      "a", "yc-card-title stretched-link text-reset text-decoration-none fw-semibold", card.title
    );
    link.setAttribute("href", card.open_url);
    text.appendChild(link);
    text.appendChild(el("div", "small text-body-secondary text-truncate", card.store_name));
    var prices = el("div");
    prices.appendChild(el("span", "shop-price", card.price_text));
    if (card.compare_text) {
      var was = el("s", "shop-compare small text-body-secondary");
      was.appendChild(el("span", "visually-hidden", "Was "));
      was.appendChild(document.createTextNode(card.compare_text));
      prices.appendChild(document.createTextNode(" "));
      prices.appendChild(was);
    }
    text.appendChild(prices);
    main.appendChild(text);
    article.appendChild(main);

    var actions = el("div", "yc-card-actions d-flex gap-2 px-2 pb-2");
    if (!card.in_stock) {
      var soldOut = el("button", "btn btn-sm btn-secondary flex-fill", "Sold out");
      soldOut.setAttribute("type", "button");
      soldOut.setAttribute("disabled", "");
      actions.appendChild(soldOut);
    } else if (card.variant_id) {
      actions.appendChild(cartForm(card, false));
      actions.appendChild(cartForm(card, true));
    } else {
      var choose = el("a", "btn btn-sm btn-outline-primary flex-fill", "Choose options ");
      choose.setAttribute("href", card.open_url);
      choose.appendChild(el("span", "visually-hidden", "for " + card.title));
      actions.appendChild(choose);
    }
    article.appendChild(actions);
    return article;
  }

  function nothingPinned() {
    return el(
      "p",
      "live-nothing-pinned text-body-secondary mb-0",
      "Nothing is pinned right now. Tap Shop to see every product of this live."
    );
  }

  function showPinned(card) {
    if (!slot) { return; }
    var next = card ? buildCard(card) : nothingPinned();
    while (slot.firstChild) { slot.removeChild(slot.firstChild); }
    slot.appendChild(next);
  }

  function showState(newState) {
    if (!badge || !BADGES[newState]) { return; }
    badge.textContent = BADGES[newState];
    badge.className = badge.className.replace(/\blive-badge-\w+/g, "").trim() +
      " live-badge-" + newState;
  }

  function reloadOnce() {
    stopped = true;
    window.location.reload();
  }

  var DEAL_STATES = ["running", "scheduled", "sold_out", "ended"];
  var deals = Array.prototype.slice.call(page.querySelectorAll("[data-live-deal]"));

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(ms) {
    var total = Math.max(Math.floor(ms / 1000), 0);
    var hours = Math.floor(total / 3600);
    return pad(hours) + ":" + pad(Math.floor((total % 3600) / 60)) + ":" + pad(total % 60);
  }

  function dealText(node) {
    var dealState = node.getAttribute("data-deal-state");
    if (dealState === "running") {
      var end = Date.parse(node.getAttribute("data-deal-ends"));
      var ms = end - Date.now();
      if (isNaN(end)) { return null; }
      return ms > 0 ? "Ends in " + clock(ms) : "Ended";
    }
    if (dealState === "sold_out") { return "Sold out"; }
    if (dealState === "ended") { return "Ended"; }
    return null;  // scheduled: the server's words stay
  }

  function tickDeals() {
    deals.forEach(function (node) {
      var status = node.querySelector("[data-deal-status]");
      var text = dealText(node);
      if (status && text !== null && status.textContent !== text) {
        // Only the change of state is announced; the ticking clock is hidden from readers.
        status.setAttribute("aria-live", node.getAttribute("data-deal-state") === "running" ? "off" : "polite");
        status.textContent = text;
      }
    });
  }

  function applyDeals(list) {
    if (!list) { return; }
    list.forEach(function (deal) {
      var node = page.querySelector("[data-live-deal='" + String(deal.id) + "']");
      if (!node || DEAL_STATES.indexOf(deal.state) < 0) { return; }
      node.setAttribute("data-deal-state", deal.state);
      node.setAttribute("data-deal-ends", deal.ends_at);
      DEAL_STATES.forEach(function (name) { node.classList.remove("live-deal-" + name); });
      node.classList.add("live-deal-" + deal.state);
      var left = node.querySelector("[data-deal-left]");
      if (left) {
        var open = deal.state === "running" || deal.state === "scheduled";
        var limit = left.textContent.split("·")[1];
        left.textContent = open ? deal.left + " left" + (limit ? " ·" + limit : "") : "";
      }
    });
    tickDeals();
  }

  if (deals.length) { window.setInterval(tickDeals, 1000); tickDeals(); }

  function apply(data) {
    if (data) { applyDeals(data.deals); }
    if (!data || String(data.version) === version) { return; }
    version = String(data.version);
    if (data.state !== state) {
      showState(data.state);
      reloadOnce();
      return;
    }
    showPinned(data.pinned);
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = null;
    if (stopped || document.visibilityState !== "visible") { return; }
    timer = window.setTimeout(poll, state === "live" ? LIVE_EVERY : WAITING_EVERY);
  }

  function poll() {
    if (stopped || inFlight || document.visibilityState !== "visible") { return; }
    inFlight = true;
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) { stopped = true; return null; }
        return response.ok ? response.json() : null;
      })
      .then(apply)
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { inFlight = false; schedule(); });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      window.clearTimeout(timer);
      poll();
    } else {
      window.clearTimeout(timer);
      timer = null;
    }
  });
  schedule();
})();
