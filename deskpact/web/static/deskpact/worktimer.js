/* Deskpact agent console: the running work timer counts up on the ticket page.
   The server keeps the start time (a reload or another tab shows the same timer) and
   renders the seconds elapsed so far; this only adds the seconds since the page showed it. */
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clock(seconds) {
    seconds = Math.max(0, seconds);
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    return h + ":" + pad(m) + ":" + pad(seconds % 60);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-timer-elapsed]").forEach(function (el) {
      if (!el.hasAttribute("data-shown-at")) el.setAttribute("data-shown-at", String(now));
      var base = parseInt(el.getAttribute("data-timer-elapsed"), 10) || 0;
      var since = Math.floor((now - Number(el.getAttribute("data-shown-at"))) / 1000);
      el.textContent = clock(base + since);
    });
  }

  tick();
  window.setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
})();
