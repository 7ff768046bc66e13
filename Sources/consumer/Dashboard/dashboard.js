// The consumer's live dashboard: renders /analytics snapshots as they arrive on
// /analytics/stream (Server-Sent Events), falling back to polling /analytics. With `?site=` it
// shows one site; with more than one site and none named it opens the overview of /api/sites.
// Every string from an event is put on the page with textContent or as an attribute value,
// never as HTML.
(function () {
  "use strict";

  const REFRESH_MS = Math.max(100, Number(document.querySelector('meta[name="dashboard-refresh-ms"]').content) || 1000);
  const STALE_AFTER_MS = 3 * REFRESH_MS;
  const TABLE_ROWS = 10;
  const STREAM_RETRY_MS = 30000;
  const BUILT_IN_TYPES = ["page_view", "click", "session"];
  const SVG = "http://www.w3.org/2000/svg";
  const params = new URLSearchParams(location.search);
  const SITE = params.get("site");
  const WANTS_OVERVIEW = params.get("view") === "sites";
  // Numbers, durations and countries as the history view writes them (history.js, loaded first).
  const formats = window.AnalyticsFormat;
  const formatCount = formats.count;
  const formatDuration = formats.duration;
  const countryName = formats.countryName;
  const flagOf = formats.flagOf;

  // A path of the figures this page shows: one site's with `?site=`, else every site's.
  function scoped(path) {
    return SITE ? path + "?site=" + encodeURIComponent(SITE) : path;
  }

  // What the page knows about its connection: how data arrives and when it last did.
  const link = {
    mode: "connecting", // "stream" | "polling" | "connecting"
    lastMessageAt: 0,
    lastSnapshotTime: null, // last_updated of the newest data, as a Date
    problem: null, // why the view is not live, in words
    source: null,
    pollTimer: null,
    retryTimer: null,
  };

  // MARK: - Connection

  function connectStream() {
    if (!window.EventSource) {
      startPolling("this browser has no EventSource");
      return;
    }
    const source = new EventSource(scoped("/analytics/stream"));
    link.source = source;
    source.onmessage = function (message) {
      let snapshot;
      try {
        snapshot = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      link.mode = "stream";
      stopPolling();
      received(snapshot.last_updated);
      render(snapshot);
    };
    source.addEventListener("unchanged", function (message) {
      link.mode = "stream";
      let ping = {};
      try {
        ping = JSON.parse(message.data);
      } catch (error) {
        // A ping that cannot be read still shows the stream is alive.
      }
      received(ping.last_updated);
      renderAge(ping.oldest_partial_age_seconds);
    });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (503 at MAX_STREAMS, 401, or the server is going away): poll instead.
        source.close();
        link.source = null;
        startPolling("live stream unavailable");
      } else {
        // The browser reconnects by itself; until then the numbers may be old.
        link.problem = "stream dropped, reconnecting";
        link.mode = "connecting";
      }
      updateStatus();
    };
  }

  function startPolling(reason) {
    link.mode = "polling";
    link.problem = null;
    if (link.pollTimer === null) {
      poll();
      link.pollTimer = setInterval(poll, Math.max(REFRESH_MS, 1000));
    }
    if (link.retryTimer === null && window.EventSource) {
      link.retryTimer = setTimeout(function () {
        link.retryTimer = null;
        connectStream();
      }, STREAM_RETRY_MS);
    }
    console.info("dashboard: polling /analytics (" + reason + ")");
  }

  function stopPolling() {
    if (link.pollTimer !== null) {
      clearInterval(link.pollTimer);
      link.pollTimer = null;
    }
  }

  function poll() {
    fetch(scoped("/analytics"), { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          link.problem = response.status === 401
            ? "not authorised: open the dashboard with ?token=…"
            : "this token does not see the site " + SITE;
          document.body.classList.add("is-denied");
          updateStatus();
          return null;
        }
        if (response.status === 404) {
          link.problem = "no events of the site " + SITE + " have been counted yet";
          updateStatus();
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (snapshot) {
        if (!snapshot || link.mode === "stream") return;
        received(snapshot.last_updated);
        render(snapshot);
      })
      .catch(function () {
        link.problem = "consumer unreachable";
        updateStatus();
      });
  }

  function received(lastUpdated) {
    link.lastMessageAt = Date.now();
    link.problem = null;
    const time = lastUpdated ? new Date(lastUpdated) : null;
    if (time && !isNaN(time.getTime())) link.lastSnapshotTime = time;
    updateStatus();
  }

  // Live only while data keeps arriving: stale after 3 refresh intervals of silence, or as soon
  // as the stream drops.
  function updateStatus() {
    // The history view keeps its own status.
    if (document.body.classList.contains("is-history")) return;
    const silentFor = Date.now() - link.lastMessageAt;
    const live = link.lastMessageAt > 0 && silentFor <= STALE_AFTER_MS && link.problem === null && link.mode !== "connecting";
    let text;
    if (live) {
      text = link.mode === "stream" ? "Live" : "Live (polling)";
    } else if (link.lastMessageAt === 0 && link.problem === null) {
      text = "Connecting…";
    } else {
      const reason = link.problem || "no update for " + formatSeconds(silentFor / 1000);
      text = "Stale: " + reason;
    }
    setText(document.getElementById("status-text"), text);
    document.body.classList.toggle("is-live", live);
    document.body.classList.toggle("is-stale", !live && link.lastMessageAt > 0);
    document.body.classList.toggle("is-connecting", !live && link.lastMessageAt === 0);
    if (link.lastSnapshotTime) {
      const ago = Math.max(0, Math.round((Date.now() - link.lastSnapshotTime.getTime()) / 1000));
      footer("updated", link.lastSnapshotTime.toLocaleTimeString() + " (" + formatSeconds(ago) + " ago)");
    }
  }

  // MARK: - Rendering

  function render(s) {
    const sessions = s.session_metrics || {};
    const types = s.events_by_type || {};
    tile("current_visitors", formatCount(s.current_visitors));
    tile("unique_visitors", formatCount(s.unique_users));
    tile("page_views", formatCount(types.page_view || 0));
    tile("sessions", formatCount(sessions.sessions_started));
    tile("bounce_rate", Math.round((sessions.bounce_rate || 0) * 100) + "%");
    tile("avg_session_duration", formatDuration(sessions.avg_session_duration_seconds || 0));
    tile("pages_per_session", (sessions.pages_per_session || 0).toFixed(1));
    const now = new Date(s.last_updated);
    tile("events_per_minute", formatCount(eventsPerMinuteNow(s.events_per_minute || {}, now)));
    renderChart("minutes", lastBuckets(s.events_per_minute || {}, now, 60, 60));
    renderChart("hours", lastBuckets(s.hourly_page_views || {}, now, 24, 3600));

    renderTable(
      "top_pages",
      (s.top_pages || []).map(function (page) {
        return { name: page.path, title: page.url, values: [page.unique_visitors, page.views], bar: page.views };
      })
    );
    renderCounts("sources", s.traffic_sources);
    renderTable(
      "campaigns",
      (s.top_campaigns || []).map(function (row) {
        const tags = [row.source, row.medium].filter(Boolean).join(" / ");
        return {
          name: row.campaign + (tags ? " · " + tags : ""), title: row.campaign,
          values: [row.unique_visitors, row.views], bar: row.views
        };
      })
    );
    renderCounts("entry_pages", sessions.entry_pages);
    renderCounts("exit_pages", sessions.exit_pages);
    const isBuiltIn = function (name) { return BUILT_IN_TYPES.indexOf(name) >= 0; };
    renderCounts("event_types", pick(types, isBuiltIn));
    renderCounts("custom_events", pick(types, function (name) { return !isBuiltIn(name); }));
    renderTable(
      "countries",
      (s.top_countries || []).map(function (row) {
        return {
          name: countryName(row.country), title: row.country, flag: flagOf(row.country),
          values: [row.visitors, row.views], bar: row.visitors
        };
      })
    );
    renderCounts("devices", s.device_stats);
    renderCounts("browsers", s.browser_stats);
    renderCounts("operating_systems", s.os_stats);
    const load = s.performance_metrics || {};
    renderTable(
      "load_times",
      load.samples > 0
        ? [
            { name: "Median (p50)", values: [load.median_load_time_ms], bar: load.median_load_time_ms },
            { name: "p95", values: [load.p95_load_time_ms], bar: load.p95_load_time_ms },
            { name: "Average", values: [load.avg_load_time_ms], bar: load.avg_load_time_ms },
            { name: "Samples", values: [load.samples], bar: 0 },
          ]
        : []
    );

    const partitions = s.partitions || { owned: [], from_partials: [] };
    footer("owned", describePartitions(partitions.owned));
    footer("partials", describePartitions(partitions.from_partials));
    renderAge(partitions.oldest_partial_age_seconds);
    footer("lag", typeof s.consumer_lag === "number" ? formatCount(s.consumer_lag) + " records" : "unknown");
    renderHistory(s.history);
    footer("total_events", formatCount(s.total_events));
    footer("bot_events", formatCount(s.bot_events || 0));
    footer("sites_over_capacity", formatCount(s.sites_over_capacity || 0));
  }

  // Whether past days are being kept in ClickHouse, and how far behind the history is.
  function renderHistory(history) {
    const element = document.querySelector('[data-footer="history"]');
    if (!element) return;
    const state = (history && history.state) || "off";
    const behind = history && typeof history.lag === "number" ? history.lag : null;
    let text;
    if (state === "off") {
      text = "off (no CLICKHOUSE_URL)";
    } else if (state === "starting") {
      text = "starting";
    } else if (state === "failing") {
      const since = history.since ? new Date(history.since) : null;
      text =
        "failing" +
        (since && !isNaN(since) ? " since " + since.toLocaleTimeString() : "") +
        (behind !== null ? ", " + formatCount(behind) + " records waiting" : "") +
        (history.reason ? " (" + String(history.reason).slice(0, 160) + ")" : "");
    } else {
      text = behind ? "writing, " + formatCount(behind) + " records behind" : "up to date";
    }
    setText(element, text);
    element.classList.toggle("is-failing", state === "failing");
  }

  function renderAge(seconds) {
    footer("partial_age", typeof seconds === "number" ? formatSeconds(seconds) : "none");
  }

  function tile(name, text) {
    setText(document.querySelector('[data-tile="' + name + '"] .value'), text);
  }

  function footer(name, text) {
    setText(document.querySelector('[data-footer="' + name + '"]'), text);
  }

  function setText(element, text) {
    if (element && element.textContent !== text) element.textContent = text;
  }

  // Counts by name, largest first, then by name (as the consumer's printed summary orders them).
  function renderCounts(name, counts) {
    const rows = Object.keys(counts || {}).map(function (key) {
      return { name: key, values: [counts[key]], bar: counts[key] };
    });
    rows.sort(function (a, b) {
      return b.bar - a.bar || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
    renderTable(name, rows);
  }

  // The first TABLE_ROWS rows, each with a bar proportional to the largest; the rest are counted
  // under the table, so a thousand pages cost no more DOM than ten.
  function renderTable(name, rows) {
    const card = document.querySelector('[data-table="' + name + '"]');
    const body = card.querySelector("tbody");
    const columns = card.querySelectorAll("thead th").length;
    const shown = rows.slice(0, TABLE_ROWS);
    const largest = shown.reduce(function (max, row) { return Math.max(max, row.bar || 0); }, 0);
    const fragment = document.createDocumentFragment();
    if (shown.length === 0) {
      const row = document.createElement("tr");
      const cell = document.createElement("td");
      cell.className = "empty";
      cell.colSpan = columns;
      cell.textContent = card.getAttribute("data-empty") || "none yet";
      row.appendChild(cell);
      fragment.appendChild(row);
    }
    shown.forEach(function (data) {
      const row = document.createElement("tr");
      const label = document.createElement("td");
      label.className = "label";
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = largest > 0 ? ((100 * (data.bar || 0)) / largest).toFixed(1) + "%" : "0";
      const text = document.createElement("span");
      text.className = "name";
      if (data.flag) {
        const flag = document.createElement("span");
        flag.className = "flag";
        flag.setAttribute("aria-hidden", "true");
        flag.textContent = data.flag;
        text.appendChild(flag);
      }
      text.appendChild(document.createTextNode(String(data.name)));
      text.setAttribute("title", String(data.title || data.name));
      label.appendChild(bar);
      label.appendChild(text);
      row.appendChild(label);
      data.values.forEach(function (value) {
        const cell = document.createElement("td");
        cell.className = "num";
        cell.textContent = typeof value === "number" ? formatCount(value) : String(value);
        row.appendChild(cell);
      });
      fragment.appendChild(row);
    });
    body.replaceChildren(fragment);
    const hidden = rows.length - shown.length;
    setText(card.querySelector(".more"), hidden > 0 ? "and " + formatCount(hidden) + " more" : "");
  }

  // One bar per bucket, oldest first; the newest (still filling) bar is drawn lighter.
  function renderChart(name, buckets) {
    const figure = document.querySelector('[data-chart="' + name + '"]');
    const svg = figure.querySelector("svg");
    const width = 600;
    const height = 150;
    const top = 8;
    const largest = buckets.reduce(function (max, bucket) { return Math.max(max, bucket.count); }, 0);
    const slot = width / buckets.length;
    const nodes = [];
    [0.5, 1].forEach(function (fraction) {
      const line = document.createElementNS(SVG, "line");
      const y = String(height - fraction * (height - top));
      line.setAttribute("class", "grid");
      line.setAttribute("x1", "0");
      line.setAttribute("x2", String(width));
      line.setAttribute("y1", y);
      line.setAttribute("y2", y);
      nodes.push(line);
    });
    buckets.forEach(function (bucket, index) {
      const barHeight = largest > 0 ? (bucket.count / largest) * (height - top) : 0;
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("class", index === buckets.length - 1 ? "bar is-current" : "bar");
      rect.setAttribute("x", (index * slot + slot * 0.1).toFixed(2));
      rect.setAttribute("width", (slot * 0.8).toFixed(2));
      rect.setAttribute("y", (height - barHeight).toFixed(2));
      rect.setAttribute("height", Math.max(barHeight, bucket.count > 0 ? 1 : 0).toFixed(2));
      const title = document.createElementNS(SVG, "title");
      title.textContent = bucket.label + ": " + formatCount(bucket.count);
      rect.appendChild(title);
      nodes.push(rect);
    });
    svg.replaceChildren.apply(svg, nodes);
    setText(figure.querySelector(".axis-max"), "max " + formatCount(largest));
  }

  // The last `count` buckets of `seconds` each up to the one holding `now`, zero where the
  // snapshot has none (it lists only buckets with events).
  function lastBuckets(counts, now, count, seconds) {
    const step = seconds * 1000;
    const newest = isNaN(now.getTime()) ? Math.floor(Date.now() / step) * step : Math.floor(now.getTime() / step) * step;
    const buckets = [];
    for (let index = count - 1; index >= 0; index--) {
      const start = newest - index * step;
      const label = new Date(start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      buckets.push({ label: label, count: counts[bucketKey(start)] || 0 });
    }
    return buckets;
  }

  // Events in the last 60 seconds, estimated from the minute buckets: this minute so far plus
  // the share of the previous minute that is still within the last 60 seconds.
  function eventsPerMinuteNow(counts, now) {
    if (isNaN(now.getTime())) return 0;
    const minute = Math.floor(now.getTime() / 60000) * 60000;
    const elapsed = (now.getTime() - minute) / 60000;
    return Math.round((counts[bucketKey(minute)] || 0) + (counts[bucketKey(minute - 60000)] || 0) * (1 - elapsed));
  }

  // How the snapshot names the minute or hour starting at `time` (ms): RFC 3339 to the second.
  function bucketKey(time) {
    return new Date(time).toISOString().replace(".000Z", "Z");
  }

  function pick(counts, keep) {
    const result = {};
    Object.keys(counts).forEach(function (name) {
      if (keep(name)) result[name] = counts[name];
    });
    return result;
  }

  // "0–5, 8" for [0,1,2,3,4,5,8], with the count.
  function describePartitions(list) {
    if (!list || list.length === 0) return "none";
    const sorted = list.slice().sort(function (a, b) { return a - b; });
    const ranges = [];
    let start = sorted[0];
    let previous = sorted[0];
    for (let index = 1; index <= sorted.length; index++) {
      const value = sorted[index];
      if (value === previous + 1) {
        previous = value;
        continue;
      }
      ranges.push(start === previous ? String(start) : start + "–" + previous);
      start = value;
      previous = value;
    }
    return sorted.length + (sorted.length === 1 ? " partition (" : " partitions (") + ranges.join(", ") + ")";
  }

  function formatSeconds(seconds) {
    const value = Math.max(0, Math.round(seconds));
    if (value < 60) return value + " s";
    if (value < 3600) return Math.floor(value / 60) + " min " + (value % 60) + " s";
    return Math.floor(value / 3600) + " h " + Math.floor((value % 3600) / 60) + " min";
  }

  // MARK: - Sites

  // The sites this page may show, then either the overview (more than one site and none named,
  // or `?view=sites`) or one dashboard: of `?site=`, or of everything when there is one site.
  function start() {
    fetch("/api/sites", { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (rows) {
        if (!Array.isArray(rows)) return startSite(SITE);
        renderSwitcher(rows);
        if (!SITE && (rows.length > 1 || WANTS_OVERVIEW)) return startOverview(rows);
        startSite(SITE || (rows.length === 1 ? String(rows[0].site) : null));
      })
      .catch(function () {
        startSite(SITE);
      });
  }

  // One site's page: its history for any period but Realtime (history.js), else the live view.
  function startSite(site) {
    if (window.AnalyticsHistory && window.AnalyticsHistory.start(site)) return;
    connectStream();
  }

  function renderSwitcher(rows) {
    const names = rows.map(function (row) { return String(row.site); });
    if (SITE && names.indexOf(SITE) < 0) names.push(SITE);
    const nav = document.querySelector(".site-nav");
    nav.hidden = !(names.length > 1 || SITE);
    if (SITE) document.title = SITE + " · Analytics · live";
    const select = document.getElementById("site-switcher");
    const options = names.slice().sort().map(function (name) {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      option.selected = name === SITE;
      return option;
    });
    if (!SITE) {
      const all = document.createElement("option");
      all.value = "";
      all.textContent = "All sites";
      all.selected = true;
      options.unshift(all);
    }
    select.replaceChildren.apply(select, options);
    select.onchange = function () {
      location.href = select.value ? "/?site=" + encodeURIComponent(select.value) : "/?view=sites";
    };
    document.getElementById("all-sites").hidden = names.length <= 1 || !SITE;
  }

  function startOverview(rows) {
    document.body.classList.add("is-overview");
    document.querySelector(".overview").hidden = false;
    link.mode = "polling";
    renderOverview(rows);
    received(new Date().toISOString());
    setInterval(function () {
      fetch("/api/sites", { cache: "no-store", credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (fresh) {
          received(new Date().toISOString());
          renderOverview(fresh);
        })
        .catch(function () {
          link.problem = "consumer unreachable";
          updateStatus();
        });
    }, Math.max(REFRESH_MS, 2000));
  }

  // One row per site, most visitors first (as /api/sites orders them), each leading to its own
  // dashboard, with a sparkline of its events in the last 60 minutes.
  function renderOverview(rows) {
    const body = document.querySelector(".overview tbody");
    const now = new Date();
    const fragment = document.createDocumentFragment();
    rows.forEach(function (row) {
      const tr = document.createElement("tr");
      tr.setAttribute("data-site", String(row.site));
      const label = document.createElement("td");
      label.className = "label";
      const anchor = document.createElement("a");
      anchor.href = "/?site=" + encodeURIComponent(String(row.site));
      anchor.textContent = String(row.site);
      label.appendChild(anchor);
      tr.appendChild(label);
      [row.visitors, row.pageviews, row.current_visitors].forEach(function (value) {
        const cell = document.createElement("td");
        cell.className = "num";
        cell.textContent = formatCount(value);
        tr.appendChild(cell);
      });
      const spark = document.createElement("td");
      spark.className = "spark";
      spark.appendChild(sparkline(lastBuckets(row.events_per_minute || {}, now, 60, 60), String(row.site)));
      tr.appendChild(spark);
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
  }

  function sparkline(buckets, site) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 120 26");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("role", "img");
    const total = buckets.reduce(function (sum, bucket) { return sum + bucket.count; }, 0);
    svg.setAttribute("aria-label", site + ": " + formatCount(total) + " events in the last 60 minutes");
    const largest = buckets.reduce(function (max, bucket) { return Math.max(max, bucket.count); }, 0);
    const points = buckets.map(function (bucket, index) {
      const x = (index * 120) / Math.max(1, buckets.length - 1);
      const y = 24 - (largest > 0 ? (bucket.count / largest) * 22 : 0);
      return x.toFixed(1) + "," + y.toFixed(1);
    });
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("points", points.join(" "));
    svg.appendChild(line);
    return svg;
  }

  setInterval(updateStatus, 500);
  start();
})();
