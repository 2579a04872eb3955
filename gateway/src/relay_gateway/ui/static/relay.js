// The UI's own script (no inline script anywhere: the CSP forbids it).
// - every htmx request carries the session's CSRF token;
// - the menu toggle on narrow screens;
// - [data-deadline] elements count down (SLA), re-armed after each htmx swap.
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf();
  });
  // A 4xx/5xx answer of a partial request shows its message (the server sends a fragment
  // with HX-Retarget: #alerts); htmx does not swap error answers unless told to.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var status = e.detail.xhr.status;
    if (status >= 400 && e.detail.xhr.getResponseHeader("HX-Retarget")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    } else if (status === 422) {
      // A form re-rendered with its errors next to the fields.
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("alerts");
    if (box) box.textContent = document.body.dataset.lang === "ru" ? "Нет связи с сервером." : "The server cannot be reached.";
  });

  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle]");
    if (!t) return;
    var target = document.getElementById(t.getAttribute("data-toggle"));
    if (!target) return;
    var open = target.classList.toggle("open");
    t.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // Confirmation for destructive buttons: data-confirm="text".
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var btn = e.submitter;
    var text = (btn && btn.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) e.preventDefault();
  }, true);

  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function human(ms) {
    var neg = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    var txt = d > 0 ? d + "d " + pad(h) + "h" : h > 0 ? h + "h " + pad(m) + "m" : m + "m";
    return (neg ? "−" : "") + txt;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      if (el.dataset.met) return;  // met deadlines do not count
      var at = Date.parse(el.getAttribute("data-deadline"));
      if (isNaN(at)) return;
      var left = at - now;
      var out = el.querySelector(".left") || el;
      out.textContent = human(left);
      el.classList.toggle("breached", left < 0);
    });
  }
  window.Relay = window.Relay || {};
  window.Relay.tick = tick;
  window.Relay.csrf = csrf;
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 30000);
})();
