// The ticket list and the new-ticket form (no inline script: the CSP forbids it).
// - the browser's time zone goes to the server in a cookie and in [data-tz] fields;
// - priority marks take their colour from data-colour;
// - keys on the list: j/k move the current row, Enter opens it, / searches, c creates;
// - inline status and responsible changes, bulk selection;
// - the results part refreshes itself (live and after changes) keeping the selection,
//   the current row and the focus, and waits while a row is being edited.
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  if (zone && document.cookie.indexOf("relay_tz=" + encodeURIComponent(zone)) < 0) {
    document.cookie = "relay_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
  }
  var COLOUR = /^#[0-9a-fA-F]{6}$/;

  function prepare(root) {
    root.querySelectorAll("input[data-tz]").forEach(function (el) { el.value = zone; });
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      var c = el.getAttribute("data-colour");
      if (COLOUR.test(c)) el.style.backgroundColor = c;
    });
  }
  function results() { return document.getElementById("ticket-results"); }
  function rows() {
    var r = results();
    return r ? Array.prototype.slice.call(r.querySelectorAll("tbody tr[data-number]")) : [];
  }

  // -- keys ---------------------------------------------------------------------------------
  function typing(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") return ["checkbox", "radio", "button", "submit", "reset"].indexOf(el.type) < 0;
    return false;
  }
  function setCurrent(row, focus) {
    rows().forEach(function (r) { r.classList.toggle("current", r === row); });
    if (row && focus) {
      var link = row.querySelector("a.subject");
      if (link) link.focus();
    }
  }
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
    if (e.key === "/") {
      var search = document.getElementById("ticket-search");
      if (search) { e.preventDefault(); search.focus(); search.select(); }
      return;
    }
    if (e.key === "c") {
      var create = document.querySelector("a[data-new-ticket]");
      if (create) { e.preventDefault(); window.location.assign(create.href); }
      return;
    }
    var all = rows();
    if (!all.length) return;
    var current = all.filter(function (r) { return r.classList.contains("current"); })[0];
    if (e.key === "j" || e.key === "k") {
      e.preventDefault();
      var i = all.indexOf(current);
      if (e.key === "j") i = i < 0 ? 0 : Math.min(all.length - 1, i + 1);
      else i = i < 0 ? 0 : Math.max(0, i - 1);
      setCurrent(all[i], true);
    } else if (e.key === "Enter" && current && !e.target.closest("a, button")) {
      var link = current.querySelector("a.subject");
      if (link) { e.preventDefault(); window.location.assign(link.href); }
    }
  });
  document.addEventListener("focusin", function (e) {
    var row = e.target.closest && e.target.closest("#ticket-results tbody tr[data-number]");
    if (row) setCurrent(row, false);
  });

  // -- inline changes -------------------------------------------------------------------------
  // A closed select changed with the arrow keys fires a change per key press: then the
  // change waits for its Apply button instead of going at once.
  var keyed = null;
  document.addEventListener("keydown", function (e) {
    if (e.target.tagName === "SELECT") keyed = e.target;
  }, true);
  document.addEventListener("pointerdown", function () { keyed = null; }, true);

  function dirty(form, on) {
    if (on) form.setAttribute("data-dirty", "1");
    else form.removeAttribute("data-dirty");
  }
  function reveal(select) {
    var id = select.getAttribute("data-postpone-target");
    var box = id && document.getElementById(id);
    if (!box) return false;
    var postponing = select.value === "postponed";
    box.hidden = !postponing;
    return postponing;
  }
  function changed(select) {
    var form = select.form;
    var save = form.querySelector("[data-inline-save]");
    var same = select.value === select.getAttribute("data-current");
    var postponing = reveal(select);
    dirty(form, !same);
    if (same) { if (save) save.hidden = true; return; }
    if (postponing || keyed === select) {
      if (save) save.hidden = false;
      if (postponing) {
        var until = form.querySelector("input[name=until]");
        if (until) until.focus();
      }
      return;
    }
    form.requestSubmit();
  }
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches("select[data-inline]")) changed(el);
    else if (el.matches("#bulk-status")) reveal(el);
    else if (el.matches("select[data-autosubmit]") && keyed !== el) el.form.requestSubmit();
    else if (el.matches("input[data-select-all]")) {
      rows().forEach(function (r) {
        var box = r.querySelector("input[name=numbers]");
        if (box) box.checked = el.checked;
      });
      count();
    } else if (el.matches("input[name=numbers]")) count();
    else if (el.matches("input[data-reveal]")) byHand(el);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var select = e.target.closest && e.target.closest("select[data-inline]");
    if (!select) return;
    select.value = select.getAttribute("data-current");
    changed(select);
    var picker = select.form.querySelector("button[data-pick-responsible]");
    if (picker && select.name === "responsible") {
      select.remove();
      picker.hidden = false;
      picker.focus();
    }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button[data-pick-responsible]");
    if (!button) return;
    var template = document.getElementById("responsible-choices");
    if (!template) return;
    var select = document.createElement("select");
    select.name = "responsible";
    select.setAttribute("data-inline", "");
    select.setAttribute("data-current", button.getAttribute("data-current") || "");
    select.setAttribute("aria-label", button.getAttribute("data-label") || "");
    select.appendChild(template.content.cloneNode(true));
    select.value = button.getAttribute("data-current") || "";
    button.hidden = true;
    button.parentNode.insertBefore(select, button);
    select.focus();
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (form && form.classList && form.classList.contains("inline-form")) dirty(form, false);
  });

  // -- bulk selection -------------------------------------------------------------------------
  function selected() {
    return Array.prototype.slice.call(document.querySelectorAll("input[name=numbers]:checked"));
  }
  function count() {
    var n = selected().length;
    var out = document.getElementById("bulk-count");
    if (out) out.textContent = String(n);
    document.querySelectorAll("button[data-bulk]").forEach(function (b) { b.disabled = n === 0; });
    var all = document.querySelector("input[data-select-all]");
    if (all) {
      var boxes = document.querySelectorAll("input[name=numbers]").length;
      all.checked = n > 0 && n === boxes;
      all.indeterminate = n > 0 && n < boxes;
    }
  }

  // -- refreshing the results -------------------------------------------------------------------
  var kept = null;
  var waiting = false;
  function busy() {
    var r = results();
    return !!(r && r.querySelector(".inline-form[data-dirty]"));
  }
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail.elt !== results()) return;
    if (busy()) { e.preventDefault(); waiting = true; }
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var r = results();
    if (!r || e.detail.target !== r) return;
    // A refresh asked for before the agent began changing a row lands after: it would
    // replace the row being edited, so it is dropped and asked for again once they are done.
    if (busy()) { e.detail.shouldSwap = false; waiting = true; return; }
    var current = r.querySelector("tr.current");
    var focused = document.activeElement;
    var focusRow = focused && focused.closest && focused.closest("tr[data-number]");
    kept = {
      numbers: selected().map(function (b) { return b.value; }),
      current: current ? current.getAttribute("data-number") : null,
      focusRow: focusRow && r.contains(focusRow) ? focusRow.getAttribute("data-number") : null,
      focusName: focused ? (focused.name || (focused.classList.contains("subject") ? "subject" : "")) : "",
    };
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    prepare(e.detail.elt && e.detail.elt.querySelectorAll ? e.detail.elt : document);
    var r = results();
    if (kept && r && r.isConnected) {
      var keep = kept;
      kept = null;
      rows().forEach(function (row) {
        var n = row.getAttribute("data-number");
        var box = row.querySelector("input[name=numbers]");
        if (box) box.checked = keep.numbers.indexOf(n) >= 0;
        if (n === keep.current) row.classList.add("current");
        if (n === keep.focusRow) {
          var target = keep.focusName === "subject" ? row.querySelector("a.subject")
            : keep.focusName ? row.querySelector("[name='" + keep.focusName + "']") : null;
          if (!target) target = row.querySelector("a.subject");
          if (target) target.focus();
        }
      });
    }
    count();
  });
  function refreshIfWaiting() {
    if (waiting && !busy() && results() && window.htmx) {
      waiting = false;
      window.htmx.trigger(results(), "relay:refresh");
    }
  }
  document.addEventListener("htmx:afterRequest", function () { setTimeout(refreshIfWaiting, 0); });
  document.addEventListener("focusout", function () { setTimeout(refreshIfWaiting, 0); });

  // -- the new-ticket form ----------------------------------------------------------------------
  function byHand(box) {
    var wrap = document.getElementById(box.getAttribute("data-reveal"));
    if (!wrap) return;
    wrap.hidden = !box.checked;
    var input = wrap.querySelector("input");
    if (box.checked && input && !input.value) {
      var planned = document.getElementById("preview-resolution");
      var local = planned && planned.getAttribute("data-local");
      if (local) input.value = local;
    }
    if (box.checked && input) input.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    prepare(document);
    count();
  });
})();
