// A thread shows new messages without a reload: every few seconds it asks for those after the
// last one it shows, appends their (server-rendered, escaped) HTML and updates the menu's badge.
(function () {
  "use strict";
  var list = document.getElementById("thread");
  if (!list || !window.fetch) return;
  var url = list.getAttribute("data-poll-url");
  var busy = false;

  function badge(count) {
    var el = document.querySelector(".messages-badge");
    if (!el) return;
    el.textContent = count > 99 ? "99+" : String(count);
    el.hidden = count === 0;
  }

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    var after = list.getAttribute("data-last-id") || "0";
    window.fetch(url + "?after=" + encodeURIComponent(after), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store"
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.html) {
          list.insertAdjacentHTML("beforeend", data.html);
          list.setAttribute("data-last-id", String(data.last_id));
          var last = list.lastElementChild;
          if (last && last.scrollIntoView) last.scrollIntoView({ block: "nearest" });
        }
        badge(data.unread || 0);
      })
      .catch(function () { /* the next tick tries again */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, 4000);
})();
