// Directory pages: the company search box of a form narrows its choice (htmx does the
// request); Enter there searches instead of sending the whole form.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    var find = e.target.closest && e.target.closest("[data-picker-find]");
    if (!find || e.key !== "Enter") return;
    e.preventDefault();
    if (window.htmx) window.htmx.trigger(find, "search");
  });
})();
