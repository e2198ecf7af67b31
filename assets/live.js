/* Live dashboards: the /ws websocket client of one tab.

   Each change event from the server goes into the shell's event store (the pages' refresh
   callbacks take it as an Input) and its version into the shell's hidden version text (which
   the fallback poll's callback reads and writes too). The socket follows
   the page's origin (ws:// or wss://), reconnects with backoff and, once back, sends
   {"since": last version seen} so the server replays what was missed. While it is down the
   shell's fallback poll is enabled and the status says "Reconnecting…". Widgets whose text
   changed after an event get a brief highlight; window.attendlyLive.renders records, per
   event, when the first of them was re-rendered (epoch milliseconds). When the session is
   gone (a refused socket and a 401 from the events API) it stops and says "Signed out". */
(function () {
  "use strict";
  var IDS = {
    event: "shell-live-event",
    version: "shell-live-version",
    poll: "shell-live-poll",
    status: "shell-live-status"
  };
  var BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
  var MERGE_MS = 10; /* catch-up events arriving together become one refresh */
  var WATCH_MS = 5000; /* how long after an event a changed widget counts as updated by it */
  var HIGHLIGHT_MS = 1800;
  var WATCHED = ".kpi-value[id], .tier-badge[id], .student-card-link[id]";
  var KEPT = 100; /* events and render times kept in window.attendlyLive */

  /* Answers 401 once the session is gone (signed out elsewhere, expired, password reset). */
  var SESSION_CHECK = "/api/v1/session";
  var SIGNED_OUT = "Signed out \u2014 reload the page to sign in again";

  var state = {
    socket: null, seen: null, attempt: 0, retry: null, pending: [], flush: null, stopped: false
  };
  var live = (window.attendlyLive = {
    renders: [], events: [], connected: false, signedOut: false
  });

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function socketUrl() {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/ws";
  }

  function showStatus(up) {
    live.connected = up;
    setProps(IDS.status, {
      children: up ? "Live" : "Reconnecting\u2026",
      className: "live-status " + (up ? "live-up" : "live-down")
    });
    setProps(IDS.poll, { disabled: up });
  }

  function connect() {
    if (state.stopped) { return; }
    var socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      whenSignedIn(reconnectLater);
      return;
    }
    state.socket = socket;
    socket.onopen = function () {
      state.attempt = 0;
      var polled = pageVersion();
      if (polled !== null && (state.seen === null || polled > state.seen)) { state.seen = polled; }
      if (state.seen !== null) { socket.send(JSON.stringify({ since: state.seen })); }
      showStatus(true);
    };
    socket.onmessage = function (message) { receive(message.data); };
    socket.onclose = function () { /* also follows every error */
      if (state.socket === socket) { state.socket = null; }
      if (state.stopped) { return; }
      showStatus(false);
      /* A browser does not tell why a socket closed or was refused: ask once per attempt
         whether the session still holds before trying again. */
      whenSignedIn(reconnectLater);
    };
  }

  function whenSignedIn(then) {
    if (!window.fetch) { then(); return; }
    window.fetch(SESSION_CHECK, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        if (answer.status === 401) { signedOut(); } else { then(); }
      })
      .catch(function () { then(); }); /* the server is down: keep trying */
  }

  /* The session is gone: no more sockets or polls (each would be refused), and say so. */
  function signedOut() {
    state.stopped = true;
    live.connected = false;
    live.signedOut = true;
    if (state.retry) { clearTimeout(state.retry); state.retry = null; }
    setProps(IDS.status, { children: SIGNED_OUT, className: "live-status live-down" });
    setProps(IDS.poll, { disabled: true });
  }

  function reconnectLater() {
    if (state.retry) { return; }
    var delay = BACKOFF_MS[Math.min(state.attempt, BACKOFF_MS.length - 1)];
    state.attempt += 1;
    state.retry = setTimeout(function () {
      state.retry = null;
      connect();
    }, delay * (0.8 + Math.random() * 0.4));
  }

  function receive(text) {
    var event;
    try { event = JSON.parse(text); } catch (error) { return; }
    if (!event || typeof event.version !== "number") { return; }
    var resync = event.kind === "resync";
    if (!resync && state.seen !== null && event.version <= state.seen) { return; }
    event.resync = resync;
    state.pending.push(event);
    if (!state.flush) { state.flush = setTimeout(flush, MERGE_MS); }
  }

  function union(events, key) {
    var seen = {};
    var all = [];
    for (var i = 0; i < events.length; i++) {
      var values = events[i][key];
      if (!values || !values.length) { return []; } /* names none: concerns everyone */
      for (var j = 0; j < values.length; j++) {
        if (!seen[values[j]]) { seen[values[j]] = true; all.push(values[j]); }
      }
    }
    return all;
  }

  /* {schools: the codes one event names}: its schools, else its school (none: every school). */
  function schoolsOf(event) {
    if (event.schools && event.schools.length) { return { schools: event.schools }; }
    return { schools: event.school ? [event.school] : [] };
  }

  /* Several events as one, like attendly.live.merge on the server. */
  function merge(events) {
    var resync = events.some(function (e) { return e.resync; });
    var grades = resync ? [] : union(events, "grades");
    var schools = resync ? [] : union(events.map(schoolsOf), "schools").sort();
    var last = events[events.length - 1].version;
    var newest = Math.max.apply(null, events.map(function (e) { return e.version; }));
    return {
      kind: events.map(function (e) { return e.kind; }).join(","),
      school: schools.length === 1 ? schools[0] : null,
      schools: schools,
      grades: grades,
      student_ids: grades.length ? union(events, "student_ids") : [],
      version: resync ? last : newest,
      resync: resync
    };
  }

  function remember(list, item) {
    list.push(item);
    if (list.length > KEPT) { list.shift(); }
  }

  function flush() {
    state.flush = null;
    var events = state.pending;
    state.pending = [];
    if (!events.length) { return; }
    var event = merge(events);
    event.received = Date.now();
    state.seen = event.version;
    remember(live.events, event);
    watch(event);
    setProps(IDS.event, { data: event });
    setProps(IDS.version, { children: event.version });
  }

  /* The text of every watched widget, keyed by id (and position, for repeated ids). */
  function snapshot() {
    var texts = {};
    var count = {};
    var nodes = document.querySelectorAll(WATCHED);
    for (var i = 0; i < nodes.length; i++) {
      var id = nodes[i].id;
      count[id] = (count[id] || 0) + 1;
      texts[id + "#" + count[id]] = { node: nodes[i], text: nodes[i].textContent };
    }
    return texts;
  }

  function highlight(node) {
    var target = node.classList.contains("student-card-link")
      ? node.querySelector(".student-card") || node : node;
    target.classList.remove("live-updated");
    void target.offsetWidth; /* restart the transition when it is still running */
    target.classList.add("live-updated");
    setTimeout(function () { target.classList.remove("live-updated"); }, HIGHLIGHT_MS);
  }

  /* After an event: highlight each widget whose text changes, note the first change's time. */
  function watch(event) {
    var before = snapshot();
    var deadline = event.received + WATCH_MS;
    var noted = false;
    var observer = new MutationObserver(function () {
      if (Date.now() > deadline) { observer.disconnect(); return; }
      var now = snapshot();
      Object.keys(now).forEach(function (key) {
        var old = before[key];
        if (old && old.text === now[key].text) { return; }
        if (!old && Object.keys(before).length === 0) { return; } /* a first render */
        before[key] = now[key];
        highlight(now[key].node);
        if (!noted) {
          noted = true;
          remember(live.renders, { version: event.version, at: Date.now(), ms: Date.now() - event.received });
        }
      });
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    setTimeout(function () { observer.disconnect(); }, WATCH_MS);
  }

  /* The last version this tab saw: hidden text in the shell, which the fallback poll updates
     too; a page rendered while the event service was down has none yet. */
  function pageVersion() {
    var holder = document.getElementById(IDS.version);
    var version = holder ? parseInt(holder.textContent, 10) : NaN;
    return isNaN(version) ? null : version;
  }

  /* Start once the shell is on the page and Dash can take property updates. */
  var starting = setInterval(function () {
    if (!document.getElementById(IDS.status) || !window.dash_clientside
        || !window.dash_clientside.set_props) { return; }
    clearInterval(starting);
    connect();
  }, 50);
})();
