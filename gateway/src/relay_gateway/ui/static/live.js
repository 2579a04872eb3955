// Live updates on every signed-in page, and who else is on a ticket card.
// - An EventSource on /live/events (the browser reconnects by itself and sends the last
//   event id; a stream this script opens again carries it as ?last=). Each change fires
//   `relay:ticket-changed` on document.body, detail {number, version, type}; a `reset`
//   (too much went by while away) fires it with number null: refresh everything.
// - On a card (#ticket-card[data-ticket-number]) the stream carries ?ticket=N and fires
//   `relay:presence`, detail {ticket, viewers, typing, text}; the text goes into
//   #presence (made at the top of the card when the page has none). The card says it is
//   open every 10 s, when someone starts or stops typing in [data-typing-for], and that
//   it closed when the page goes away.
// window.Relay.live is the handle (connect, disconnect, scan, lastId, connected).
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch) return;

  var BEAT_MS = 10000;       // the card says it is open this often (entries expire after 30 s)
  var TYPING_IDLE_MS = 4000; // no keystroke for this long: stopped typing
  var TYPING_AGAIN_MS = 5000; // still typing: said again this often (the server forgets after 12 s)

  function randomTab() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  function fire(name, detail) {
    document.body.dispatchEvent(new CustomEvent(name, { detail: detail, bubbles: true }));
  }

  var live = {
    source: null,
    connected: false,
    stopped: false,
    lastId: "",
    ticket: null,
    tab: randomTab(),
    presence: null,
    typing: false,
    typingSentAt: 0,
    retryMs: 5000,
    started: false,
    timers: {}
  };

  function url() {
    var q = [];
    if (live.ticket) q.push("ticket=" + encodeURIComponent(live.ticket));
    if (live.lastId) q.push("last=" + encodeURIComponent(live.lastId));
    return "/live/events" + (q.length ? "?" + q.join("&") : "");
  }
  function remember(e) {
    if (e.lastEventId) live.lastId = e.lastEventId;
  }

  live.disconnect = function () {
    clearTimeout(live.timers.retry);
    if (live.source) live.source.close();
    live.source = null;
    live.connected = false;
  };

  live.connect = function () {
    live.disconnect();
    live.stopped = false;
    var es = new EventSource(url());
    live.source = es;
    es.addEventListener("open", function () {
      live.connected = true;
      live.retryMs = 5000;
    });
    es.addEventListener("ready", remember);
    es.addEventListener("ticket", function (e) {
      remember(e);
      var d;
      try { d = JSON.parse(e.data); } catch (err) { return; }
      fire("relay:ticket-changed", { number: d.number, version: d.version, type: d.type });
    });
    es.addEventListener("reset", function (e) {
      remember(e);
      fire("relay:ticket-changed", { number: null, version: null, type: "reset" });
    });
    es.addEventListener("presence", function (e) {
      try { live.presence = JSON.parse(e.data); } catch (err) { return; }
      render();
      fire("relay:presence", live.presence);
    });
    es.addEventListener("signed-out", function (e) {
      live.stopped = true;
      live.disconnect();
      var text = "";
      try { text = JSON.parse(e.data).text; } catch (err) { /* no text */ }
      notice(text);
    });
    es.addEventListener("error", function () {
      live.connected = false;
      // A network error is retried by the browser itself; an answer that is not a stream
      // (signed out, no room on the server) closes it for good: try again later.
      if (es.readyState === EventSource.CLOSED && live.source === es && !live.stopped) {
        clearTimeout(live.timers.retry);
        live.timers.retry = setTimeout(live.connect, live.retryMs);
        live.retryMs = Math.min(live.retryMs * 2, 60000);
      }
    });
  };

  function notice(text) {
    var box = document.getElementById("banners");
    if (!box || !text) return;
    var div = document.createElement("div");
    div.className = "banner banner-info";
    div.textContent = text;
    box.appendChild(div);
  }

  // -- the card ---------------------------------------------------------------------------
  function card() {
    var c = document.getElementById("ticket-card");
    return c && c.getAttribute("data-ticket-number") ? c : null;
  }

  function post(body) {
    body.tab = live.tab;
    return fetch("/live/presence", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body)
    }).catch(function () { /* presence is best effort */ });
  }

  function beat() {
    if (live.ticket) post({ ticket: live.ticket, typing: live.typing });
  }

  function leave(number) {
    var form = new FormData();
    form.append("ticket", number);
    form.append("tab", live.tab);
    form.append("leave", "1");
    form.append("csrf_token", csrf());
    if (!(navigator.sendBeacon && navigator.sendBeacon("/live/presence", form))) {
      post({ ticket: number, leave: true });
    }
  }

  function setTyping(on) {
    if (!live.ticket) return;
    var now = Date.now();
    if (on === live.typing && (!on || now - live.typingSentAt < TYPING_AGAIN_MS)) return;
    live.typing = on;
    live.typingSentAt = now;
    post({ ticket: live.ticket, typing: on });
  }

  function render() {
    var c = card();
    if (!c) return;
    var box = document.getElementById("presence");
    if (!box) {
      box = document.createElement("div");
      box.id = "presence";
      box.className = "presence";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      c.insertBefore(box, c.firstChild);
    }
    var p = live.presence && String(live.presence.ticket) === live.ticket ? live.presence : null;
    var text = p ? p.text || "" : "";
    if (box.textContent !== text) box.textContent = text;
    box.classList.toggle("has-typing", !!(p && p.typing && p.typing.length));
  }

  // The page's card changed (a first load, or htmx put another in): follow it.
  function scan(first) {
    if (!live.started) return;
    var c = card();
    var number = c ? c.getAttribute("data-ticket-number") : null;
    if (first || number !== live.ticket) {
      if (live.ticket && live.ticket !== number) leave(live.ticket);
      live.ticket = number;
      live.presence = null;
      live.typing = false;
      clearInterval(live.timers.beat);
      if (number) {
        beat();
        live.timers.beat = setInterval(beat, BEAT_MS);
      }
      live.connect();
    }
    render();
  }

  document.addEventListener("input", function (e) {
    var box = e.target && e.target.closest ? e.target.closest("[data-typing-for]") : null;
    if (!box || !live.ticket || box.getAttribute("data-typing-for") !== live.ticket) return;
    setTyping(true);
    clearTimeout(live.timers.typing);
    live.timers.typing = setTimeout(function () { setTyping(false); }, TYPING_IDLE_MS);
  });
  document.addEventListener("submit", function (e) {
    if (e.target.querySelector && e.target.querySelector("[data-typing-for]")) {
      clearTimeout(live.timers.typing);
      setTyping(false);
    }
  });
  document.addEventListener("htmx:afterSettle", function () { scan(false); });
  window.addEventListener("pagehide", function () {
    if (live.ticket) leave(live.ticket);
    live.disconnect();
  });
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) scan(true);  // back from the page cache: the stream was closed
  });

  function start() {
    // Signed-in pages only: they have the top bar and the cursor they were rendered at.
    var meta = document.querySelector('meta[name="relay-live"]');
    if (!meta || !document.querySelector(".topbar")) return;
    live.lastId = meta.getAttribute("content") || "";
    window.Relay = window.Relay || {};
    window.Relay.live = live;
    live.scan = function () { scan(false); };  // a script that put a card in without htmx
    live.started = true;
    scan(true);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
