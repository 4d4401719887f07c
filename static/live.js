/* live.js: live counts on a page, from a server-sent event stream (no build, no inline
 * script: include it as <script src="{{ static_url('live.js') }}" defer></script>).
 *
 * A page works without it: it is correct when served, and offers a reload link. With it,
 * the marked elements follow the stream. The attributes it reads:
 *
 *   data-live-stream="/api/v1/sittings/12/events"
 *       On one element (a container): the stream to follow. The script sets
 *       data-live-state on it: "connecting", "live" or "paused" (for styling).
 *   data-live-events="sitting attendance poll"
 *       On the same element: the names of the events to follow (by default, those of the
 *       data-live-key attributes below). Name those the page may show none of yet (a
 *       "poll" on an empty agenda), so that one arriving shows data-live-stale.
 *   data-live-key="attendance" | "poll:7" | "sitting:12"
 *       An element showing one event: the event's name, and ":" and its "id" when its
 *       data has one.
 *   data-live-field="present"
 *       On such an element or inside it: its text becomes that field of the event's data
 *       (numbers in Myanmar digits when <html lang="my">; null: empty).
 *   data-live-field="status" data-live-when="open"
 *       Shown (its hidden attribute removed) only while the field has that value, written
 *       as text ("true" / "false" for yes or no). Its own text, translated by the page, is
 *       left alone: render one element per value.
 *   data-live-offline
 *       Shown while the stream is not live, hidden while it is: the reload link ("the
 *       counts may be out of date"). Render it visible; the script hides it once live.
 *   data-live-online
 *       Shown only while the stream is live ("updated live"). Render it hidden.
 *   data-live-stale
 *       Shown when an event names something the page does not show (a poll added to the
 *       agenda since): reload to see it. Render it hidden.
 *
 * The browser reconnects by itself after the server ended the stream (it does so every few
 * minutes, and when it restarts) and gets the whole state again. A stream that was refused
 * (logged out, server busy) is tried again after 5 s, then up to a minute apart. An event
 * "replaced" means the same login opened too many streams: this one stops (paused) and the
 * reload link shows. While the page is hidden (another tab, a locked phone) the stream is
 * closed, to spare the connection; it opens again when the page is seen.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-stream]");
  if (!root || typeof window.EventSource !== "function") {
    return;
  }
  var url = root.getAttribute("data-live-stream");
  var burmese = (document.documentElement.lang || "").slice(0, 2) === "my";
  var FIRST_DELAY = 5000;
  var LONGEST_DELAY = 60000;
  var source = null;
  var timer = null;
  var delay = FIRST_DELAY;
  var stopped = false;

  function all(selector, scope) {
    return Array.prototype.slice.call((scope || document).querySelectorAll(selector));
  }

  function digits(value) {
    var text = String(value);
    if (!burmese) {
      return text;
    }
    return text.replace(/[0-9]/g, function (digit) {
      return String.fromCharCode(0x1040 + Number(digit));
    });
  }

  function show(state) {
    root.setAttribute("data-live-state", state);
    all("[data-live-offline]").forEach(function (element) {
      element.hidden = state === "live";
    });
    all("[data-live-online]").forEach(function (element) {
      element.hidden = state !== "live";
    });
  }

  function names() {
    var found = {};
    (root.getAttribute("data-live-events") || "").split(/\s+/).forEach(function (name) {
      if (name) {
        found[name] = true;
      }
    });
    all("[data-live-key]").forEach(function (element) {
      found[element.getAttribute("data-live-key").split(":")[0]] = true;
    });
    return Object.keys(found);
  }

  function apply(name, data) {
    var key = name + (data.id === undefined || data.id === null ? "" : ":" + data.id);
    var scopes = all("[data-live-key]").filter(function (element) {
      return element.getAttribute("data-live-key") === key;
    });
    if (scopes.length === 0) {
      all("[data-live-stale]").forEach(function (element) {
        element.hidden = false;
      });
      return;
    }
    scopes.forEach(function (scope) {
      [scope].concat(all("[data-live-field]", scope)).forEach(function (element) {
        var field = element.getAttribute("data-live-field");
        if (!field || !Object.prototype.hasOwnProperty.call(data, field)) {
          return;
        }
        var value = data[field];
        var when = element.getAttribute("data-live-when");
        if (when !== null) {
          element.hidden = String(value) !== when;
        } else {
          element.textContent = value === null ? "" : digits(value);
        }
      });
    });
  }

  function close() {
    if (source !== null) {
      source.close();
      source = null;
    }
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  }

  function later() {
    close();
    show("paused");
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, LONGEST_DELAY);
  }

  function connect() {
    close();
    if (stopped || document.hidden) {
      return;
    }
    show("connecting");
    var stream = new EventSource(url);
    source = stream;
    stream.onopen = function () {
      delay = FIRST_DELAY;
      show("live");
    };
    stream.onerror = function () {
      if (stream.readyState === EventSource.CLOSED) {
        later(); // refused: the browser will not try again by itself
      } else {
        show("connecting"); // the browser reconnects by itself
      }
    };
    names().forEach(function (name) {
      stream.addEventListener(name, function (event) {
        var data;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (data !== null && typeof data === "object") {
          apply(name, data);
        }
      });
    });
    stream.addEventListener("replaced", function () {
      stopped = true;
      close();
      show("paused");
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      close();
      show("paused");
    } else if (source === null) {
      delay = FIRST_DELAY;
      connect();
    }
  });
  window.addEventListener("pagehide", close);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      connect(); // back from the browser's cache: the state may be old
    }
  });
  connect();
})();
