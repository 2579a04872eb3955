// Settings pages and the API reference. Each part looks for its own elements first, so
// on other pages this does nothing.
(function () {
  "use strict";
  var COLOUR = /^#[0-9a-fA-F]{6}$/;

  // Colour marks from data (priorities): set from here, as inline styles are not allowed.
  function paintMarks(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      var c = el.getAttribute("data-colour");
      if (COLOUR.test(c)) el.style.backgroundColor = c;
    });
  }

  // A custom attribute's list values matter only for a list.
  function attributeForm() {
    var kind = document.querySelector("[data-attribute-kind]");
    var options = document.querySelector("[data-options-field]");
    if (!kind || !options) return;
    function sync() { options.hidden = kind.value !== "list"; }
    kind.addEventListener("change", sync);
    sync();
  }

  // A token's subject: nobody for a system token, an employee for staff, a contact for a contact.
  function tokenForm() {
    var role = document.querySelector("[data-token-role]");
    var subject = document.querySelector("[data-token-subject]");
    if (!role || !subject) return;
    var select = subject.querySelector("select");
    function sync() {
      var r = role.value;
      subject.hidden = r === "system";
      subject.querySelectorAll("optgroup[data-subject-kind]").forEach(function (g) {
        var wanted = r === "contact" ? "contact" : "employee";
        var on = g.getAttribute("data-subject-kind") === wanted;
        g.hidden = !on;
        g.disabled = !on;
      });
      var chosen = select && select.selectedOptions[0];
      if (chosen && chosen.parentElement && chosen.parentElement.disabled) select.value = "";
    }
    role.addEventListener("change", sync);
    sync();
  }

  // Copy the new token (shown once).
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-copy-from]");
    if (!btn) return;
    var input = document.getElementById(btn.getAttribute("data-copy-from"));
    if (!input) return;
    var status = document.getElementById("copy-status");
    function done() { if (status) status.textContent = btn.getAttribute("data-copied") || ""; }
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // A logo too large is refused before it is sent.
  function logoInput() {
    var input = document.querySelector("input[type=file][data-max-bytes]");
    if (!input) return;
    input.addEventListener("change", function () {
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      var f = input.files && input.files[0];
      input.setCustomValidity(f && f.size > max ? input.getAttribute("data-too-large") : "");
      input.reportValidity();
    });
  }

  // The lifecycle table marks ticked cells.
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("#lifecycle-table input[type=checkbox]")) return;
    var cell = box.closest("td");
    if (cell) cell.classList.toggle("on", box.checked);
  });

  // The API reference: filter operations by every word typed.
  function apiSearch() {
    var input = document.querySelector("[data-api-search]");
    if (!input) return;
    var ops = Array.prototype.slice.call(document.querySelectorAll("[data-api-op]"));
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-api-group]"));
    var count = document.getElementById("api-count");
    function filter() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      ops.forEach(function (op) {
        var text = op.getAttribute("data-search") || "";
        var on = words.every(function (w) { return text.indexOf(w) !== -1; });
        op.hidden = !on;
        if (on) shown += 1;
      });
      groups.forEach(function (g) { g.hidden = !g.querySelector("[data-api-op]:not([hidden])"); });
      if (count) {
        count.textContent = shown === 0 ? count.getAttribute("data-none")
          : count.getAttribute("data-count-template").replace("{n}", String(shown));
      }
    }
    input.addEventListener("input", filter);
    if (input.value) filter();
  }

  // A link to an operation or a schema opens it.
  function openTarget() {
    if (!location.hash) return;
    var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (el && el.tagName === "DETAILS") el.open = true;
  }
  window.addEventListener("hashchange", openTarget);

  document.addEventListener("DOMContentLoaded", function () {
    paintMarks(document);
    attributeForm();
    tokenForm();
    logoInput();
    apiSearch();
    openTarget();
  });
  document.addEventListener("htmx:afterSettle", function (e) { paintMarks(e.target); });
})();
