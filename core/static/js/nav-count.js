// The menu's task count: the page arrives without it and asks for it here
// (data-nav-count on the link), so no page waits while every area counts its work.
// Without script, or if the server does not answer, the link is there without a number.
(function () {
  "use strict";
  var links = document.querySelectorAll("a[data-nav-count]");
  Array.prototype.forEach.call(links, function (link) {
    fetch(link.dataset.navCount, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (waiting) {
        // Nothing waiting: no badge, as the page drew it before.
        if (!waiting.count) { return; }
        var badge = document.createElement("span");
        badge.className = "badge nav-count";
        badge.textContent = waiting.text;
        badge.setAttribute("aria-label", waiting.label);
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
      })
      .catch(function () { /* the link works without its number */ });
  });
}());
