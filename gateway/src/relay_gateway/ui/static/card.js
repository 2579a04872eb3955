// The ticket card (/tickets/<number>): priority colours, the postpone form's time zone, live refresh of the card's parts, @mention completion and canned
// responses in the reply box, and focus kept where it was across htmx swaps.
(function () {
  "use strict";
  var HEX = /^#[0-9a-fA-F]{6}$/;

  function card() { return document.getElementById("ticket-card"); }
  function ru() { return document.body.dataset.lang === "ru"; }

  // -- looks ----------------------------------------------------------------------------
  function paint(root) {
    root.querySelectorAll("[data-colour]").forEach(function (el) {
      var c = el.getAttribute("data-colour");
      if (HEX.test(c)) el.style.backgroundColor = c;
    });
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    root.querySelectorAll("input[data-tz]").forEach(function (el) { el.value = zone; });
    root.querySelectorAll(".no-script-only").forEach(function (el) { el.hidden = true; });
  }

  // The postpone form says which zone its datetime-local value is in (the offset of
  // that moment, so a date across a daylight-saving change is right).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var tz = form.querySelector && form.querySelector("[data-tz-offset]");
    if (!tz) return;
    var until = form.querySelector("input[name=until]");
    var at = until && until.value ? new Date(until.value) : new Date();
    tz.value = String(isNaN(at) ? new Date().getTimezoneOffset() : at.getTimezoneOffset());
  }, true);
  // -- live refresh of the parts ---------------------------------------------------------------
  var pending = null;
  var stale = {};
  var inFlight = {};
  var dirty = {};
  function markDirty(e) {
    var part = e.target.closest && e.target.closest("[data-card-part]");
    if (part && e.target.form) dirty[part.id] = true;
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  // Closing a panel lets its unsaved changes go: the part may follow the ticket again.
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.tagName !== "DETAILS" || d.open) return;
    var part = d.closest("[data-card-part]");
    if (!part) return;
    delete dirty[part.id];
    if (stale[part.id]) refreshPart(part);
  }, true);
  var again = {};
  function refreshPart(el) {
    if (!window.htmx || !el || !el.id) return;
    var id = el.id;
    // Not under the agent's hands: a part they are in, or whose form holds changes they have
    // not saved yet, is read again when they leave it (or save, which renders the card anew).
    if ((el.contains(document.activeElement) && document.activeElement !== document.body) || dirty[id]) {
      stale[id] = true;
      return;
    }
    if (inFlight[id]) { again[id] = true; return; }  // read once more when this answer is in
    delete stale[id];
    inFlight[id] = true;
    // Each part is its own source: htmx drops a request from an element that has one in
    // flight, and without a source every part would be the body's.
    var done = function () {
      delete inFlight[id];
      if (again[id]) { delete again[id]; refreshPart(document.getElementById(id)); }
    };
    window.htmx.ajax("GET", el.getAttribute("data-card-part"), { source: el, target: el, swap: "outerHTML" })
      .then(done, done);
  }
  function refreshAll() {
    var c = card();
    if (!c) return;
    c.querySelectorAll("[data-card-part]").forEach(refreshPart);
  }
  // Deferred: the body is there when this runs.
  document.body.addEventListener("relay:ticket-changed", onChanged);
  function onChanged(e) {
    var c = card();
    var d = e.detail || {};
    if (!c) return;
    // A reset: the stream lost track of what happened, so every part is read again.
    if (d.type !== "reset") {
      if (String(d.number) !== c.getAttribute("data-ticket-number")) return;
      if (d.version && Number(d.version) <= Number(c.getAttribute("data-ticket-version"))) return;
    }
    clearTimeout(pending);
    pending = setTimeout(refreshAll, 250);  // one refresh for a burst of changes
  }
  document.addEventListener("focusout", function (e) {
    var part = e.target.closest && e.target.closest("[data-card-part]");
    if (!part || !stale[part.id] || dirty[part.id]) return;
    setTimeout(function () { if (!part.contains(document.activeElement)) refreshPart(part); }, 50);
  });

  // -- htmx swaps of the card ------------------------------------------------------------------
  var focusedId = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var a = document.activeElement;
    focusedId = a && a.id ? a.id : null;
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    // A reply held because the ticket changed (409) comes back as the card to show.
    if (e.detail.xhr.status === 409 && e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("#ticket-card")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  // A part read again keeps what the agent opened in it (details) and where they were.
  var kept = {};
  document.addEventListener("htmx:beforeSwap", function (e) {
    var t = e.detail.target;
    if (!t || !t.hasAttribute || !t.hasAttribute("data-card-part")) return;
    if (dirty[t.id]) {
      // The agent started changing a form here while this answer was on its way.
      e.detail.shouldSwap = false;
      stale[t.id] = true;
      return;
    }
    var open = [];
    t.querySelectorAll("details[open][id]").forEach(function (d) { open.push(d.id); });
    var a = document.activeElement;
    kept[t.id] = { open: open, focus: a && t.contains(a) && a.id ? a.id : null };
  });
  function restore(id) {
    var k = kept[id];
    var el = document.getElementById(id);
    delete kept[id];
    if (!k || !el) return;
    k.open.forEach(function (name) {
      var d = document.getElementById(name);
      if (d && el.contains(d)) d.open = true;
    });
    if (k.focus) { var f = document.getElementById(k.focus); if (f) f.focus(); }
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    var c = card();
    if (!c) return;
    paint(c);
    Object.keys(kept).forEach(restore);
    var target = e.detail.target;
    if (target && target.getAttribute && target.getAttribute("data-version")) {
      var v = Number(target.getAttribute("data-version"));
      if (v > Number(c.getAttribute("data-ticket-version"))) c.setAttribute("data-ticket-version", String(v));
    }
    if (!target || target.id !== "ticket-card") return;
    dirty = {};  // the whole card is new: nothing unsaved is left in it
    stale = {};
    var conflict = document.getElementById("reply-conflict");
    var invalid = c.querySelector("[aria-invalid=true]");
    var again = focusedId && document.getElementById(focusedId);
    var to = conflict || invalid || again;
    if (to) to.focus();
  });

  // -- the reply box ----------------------------------------------------------------------------
  document.addEventListener("click", function (e) {
    var edit = e.target.closest("[data-edit-reply]");
    if (!edit) return;
    e.preventDefault();
    var panel = document.getElementById("reply-conflict");
    if (panel) panel.hidden = true;
    var box = document.getElementById("f-body");
    if (box) box.focus();
  });

  function insertAtCaret(box, text, from) {
    var start = from === undefined ? box.selectionStart : from;
    var end = box.selectionEnd;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    var at = start + text.length;
    box.setSelectionRange(at, at);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id !== "canned-form") return;
    var select = form.querySelector("select[name=canned]");
    var box = document.getElementById("f-body");
    if (!select || !select.value || !box) return;
    e.preventDefault();
    var url = form.getAttribute("data-canned-url").replace(/\/0$/, "/" + encodeURIComponent(select.value));
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (text) {
        var before = box.value && !/\s$/.test(box.value.slice(0, box.selectionStart)) ? "\n" : "";
        insertAtCaret(box, before + text);
      })
      .catch(function () {
        var alerts = document.getElementById("alerts");
        if (alerts) alerts.textContent = ru() ? "Не удалось вставить шаблон ответа." : "The canned response could not be inserted.";
      });
  });

  // @mention completion: type @ and a few letters, pick with the arrows and Enter (or a click).
  var mention = { timer: null, from: -1, items: [], index: -1 };
  function mentionBox() { return document.getElementById("mention-box"); }
  function closeMentions() {
    var box = mentionBox();
    if (box) { box.hidden = true; box.textContent = ""; }
    mention.items = []; mention.index = -1; mention.from = -1;
  }
  function highlight(i) {
    mention.items.forEach(function (li, j) {
      li.setAttribute("aria-selected", j === i ? "true" : "false");
      li.classList.toggle("active", j === i);
    });
    mention.index = i;
    var status = document.getElementById("mention-status");
    if (status && mention.items[i]) status.textContent = mention.items[i].textContent;
  }
  function pick(li) {
    var box = document.getElementById("f-body");
    if (!box || !li || !li.getAttribute("data-insert")) return;
    box.setSelectionRange(mention.from, box.selectionEnd);
    insertAtCaret(box, li.getAttribute("data-insert") + " ", mention.from);
    closeMentions();
  }
  function lookUp(box) {
    var upto = box.value.slice(0, box.selectionStart);
    var m = /(^|[\s(,;])@([^\s@]{0,40})$/.exec(upto);
    if (!m) { closeMentions(); return; }
    mention.from = upto.length - m[2].length - 1;
    var url = box.getAttribute("data-mention-url") + "?q=" + encodeURIComponent(m[2]);
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var list = mentionBox();
        if (!list) return;
        // The fragment is the server's own template: every name in it is escaped there.
        var doc = new DOMParser().parseFromString(html, "text/html");
        list.replaceChildren.apply(list, Array.prototype.slice.call(doc.body.childNodes));
        list.hidden = false;
        mention.items = Array.prototype.slice.call(list.querySelectorAll("[role=option][data-insert]"));
        var status = document.getElementById("mention-status");
        if (status) {
          status.textContent = ru()
            ? "Вариантов: " + mention.items.length + ". Стрелки — выбор, Enter — вставить."
            : mention.items.length + " suggestions. Arrows to choose, Enter to insert.";
        }
        highlight(mention.items.length ? 0 : -1);
      })
      .catch(closeMentions);
  }
  document.addEventListener("input", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("textarea[data-mention-url]")) return;
    clearTimeout(mention.timer);
    mention.timer = setTimeout(function () { lookUp(box); }, 150);
  });
  document.addEventListener("keydown", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("textarea[data-mention-url]")) return;
    var list = mentionBox();
    if (!list || list.hidden || !mention.items.length) {
      if (e.key === "Escape") closeMentions();
      return;
    }
    if (e.key === "ArrowDown") { e.preventDefault(); highlight((mention.index + 1) % mention.items.length); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight((mention.index - 1 + mention.items.length) % mention.items.length); }
    else if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); pick(mention.items[mention.index]); }
    else if (e.key === "Escape") { e.preventDefault(); closeMentions(); }
  });
  document.addEventListener("mousedown", function (e) {
    var li = e.target.closest && e.target.closest("#mention-box [data-insert]");
    if (!li) return;
    e.preventDefault();  // the reply box keeps its focus and caret
    pick(li);
  });
  document.addEventListener("focusout", function (e) {
    if (e.target.id === "f-body") setTimeout(function () {
      if (document.activeElement && document.activeElement.id !== "f-body") closeMentions();
    }, 150);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var c = card();
    if (c) paint(c);
  });
})();
