// SLA settings pages: the week view's blocks placed from their data attributes (the CSP
// allows no inline style, a script may set element.style), the weekday interval rows
// added and removed in the page, the rule form's parts shown for the chosen option,
// the company filter, and focus and announcements after a partial update.
(function () {
  "use strict";
  var DAY = 1440;

  function pct(minute) {
    var m = Math.max(0, Math.min(DAY, Number(minute) || 0));
    return (m / DAY) * 100 + "%";
  }

  function drawWeeks(root) {
    (root || document).querySelectorAll("[data-sla-week]").forEach(function (week) {
      week.querySelectorAll(".sla-block[data-start][data-end]").forEach(function (b) {
        var start = Number(b.getAttribute("data-start"));
        var end = Number(b.getAttribute("data-end"));
        b.style.top = pct(start);
        b.style.height = "calc(" + pct(end - start) + " - 1px)";
        b.classList.toggle("sla-block-short", end - start < 90);
      });
      week.querySelectorAll("[data-minute]").forEach(function (el) {
        el.style.top = pct(el.getAttribute("data-minute"));
      });
    });
  }

  // -- interval rows of the working week ------------------------------------------------
  function rowsOf(day) {
    return document.querySelector('[data-sla-rows="' + day + '"]');
  }

  function refreshDay(day) {
    var rows = rowsOf(day);
    if (!rows) return;
    var count = rows.querySelectorAll("[data-sla-row]").length;
    var off = rows.querySelector("[data-sla-off]");
    if (off) off.hidden = count > 0;
  }

  function addRow(day) {
    var rows = rowsOf(day);
    var tpl = document.querySelector('template[data-sla-template="' + day + '"]');
    if (!rows || !tpl) return;
    var next = 0;
    rows.querySelectorAll("[data-sla-row] input[name]").forEach(function (input) {
      var m = /\.(\d+)\.(from|to)$/.exec(input.name);
      if (m) next = Math.max(next, Number(m[1]) + 1);
    });
    var n = rows.querySelectorAll("[data-sla-row]").length + 1;
    var html = tpl.innerHTML.split("__i__").join(String(next)).split("__n__").join(String(n));
    var holder = document.createElement("div");
    holder.innerHTML = html;  // the server's own template, no data in it
    var row = holder.firstElementChild;
    var off = rows.querySelector("[data-sla-off]");
    rows.insertBefore(row, off);
    refreshDay(day);
    var first = row.querySelector("input");
    if (first) first.focus();
  }

  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-sla-add]");
    if (add) {
      e.preventDefault();
      addRow(add.getAttribute("data-sla-add"));
      return;
    }
    var remove = e.target.closest("[data-sla-remove]");
    if (remove) {
      e.preventDefault();
      var row = remove.closest("[data-sla-row]");
      var dayBox = remove.closest("[data-sla-day]");
      if (row) row.remove();
      if (dayBox) {
        refreshDay(dayBox.getAttribute("data-sla-day"));
        var addButton = dayBox.querySelector("[data-sla-add]");
        if (addButton) addButton.focus();
      }
    }
  });

  // -- parts of a form that apply to one choice ------------------------------------------
  function showModes(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      var chosen = form.querySelector("[data-sla-mode]:checked");
      form.querySelectorAll("[data-sla-show]").forEach(function (part) {
        var modes = part.getAttribute("data-sla-show").split(" ");
        part.hidden = !chosen || modes.indexOf(chosen.value) < 0;
      });
      var kind = form.querySelector("[data-sla-kind]:checked");
      var hours = form.querySelector("#f-exc_intervals");
      if (kind && hours) hours.disabled = kind.value !== "hours";
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-sla-mode], [data-sla-kind]")) showModes();
  });

  document.addEventListener("input", function (e) {
    var box = e.target.closest("[data-sla-filter]");
    if (!box) return;
    var list = document.getElementById(box.getAttribute("data-sla-filter"));
    if (!list) return;
    var q = box.value.trim().toLowerCase();
    list.querySelectorAll("label").forEach(function (label) {
      var input = label.querySelector("input");
      // A chosen company stays in sight whatever the filter.
      label.hidden = q !== "" && label.textContent.toLowerCase().indexOf(q) < 0 && !(input && input.checked);
    });
  });

  // -- after a partial update ------------------------------------------------------------
  // Each new focus request and message is acted on once (marked when done).
  function settle() {
    drawWeeks();
    showModes();
    var box = document.querySelector("[data-sla-focus]:not([data-sla-focused])");
    if (box) {
      box.setAttribute("data-sla-focused", "");
      var el = document.getElementById(box.getAttribute("data-sla-focus") || "-");
      if (el && !el.disabled) el.focus();
    }
    var live = document.getElementById("sla-live");
    var said = document.querySelector("[data-sla-announce]:not([data-sla-said])");
    if (said) {
      said.setAttribute("data-sla-said", "");
      if (live) live.textContent = said.textContent.replace(/\s+/g, " ").trim();
    }
  }
  document.addEventListener("htmx:afterSettle", settle);

  function start() {
    if (!document.querySelector("[data-sla-week], [data-sla-rows], [data-sla-mode], [data-sla-kind], #sla-rules")) return;
    drawWeeks();
    showModes();
    document.querySelectorAll("[data-sla-focus], [data-sla-announce]").forEach(function (el) {
      el.setAttribute(el.hasAttribute("data-sla-focus") ? "data-sla-focused" : "data-sla-said", "");
    });
    // With the script, the rows' buttons work in the page; without it they post the form.
    document.querySelectorAll("[data-sla-add], [data-sla-remove]").forEach(function (b) {
      b.setAttribute("type", "button");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
