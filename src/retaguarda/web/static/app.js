// retaguarda: the small amount of script the pages use.
// [data-refresh-url]: the element's content is replaced by the fragment at that URL
// every data-refresh-seconds (default 10) without reloading the page; paused while
// the tab is hidden. The fragment keeps the page's filters (its URL carries them).
(function () {
  "use strict";
  function refresher(element) {
    var url = element.getAttribute("data-refresh-url");
    var seconds = parseInt(element.getAttribute("data-refresh-seconds") || "10", 10);
    function tick() {
      if (document.hidden) { return; }
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          element.innerHTML = html;
          element.setAttribute("data-refreshed-at", new Date().toISOString());
          element.dispatchEvent(new CustomEvent("refreshed", { bubbles: true }));
        })
        .catch(function () { element.setAttribute("data-refresh-failed", "1"); });
    }
    window.setInterval(tick, seconds * 1000);
  }
  // <form data-confirm="message">: ask before sending (bulk moves).
  function confirmer(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-url]").forEach(refresher);
    document.querySelectorAll("form[data-confirm]").forEach(confirmer);
  });
})();
