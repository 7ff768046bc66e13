// The dashboard's history: the period picker and, for any period but Realtime, the figures of
// one site from POST /api/v2/query — tiles compared with the period before, the chart with the
// previous period dotted, tabbed cards whose rows filter the whole page, details with CSV.
// The period and the filters live in the URL (`range`, `from`, `to`, `filter=dimension|value`),
// so a view can be shared and reloaded. Every value from the history is put on the page with
// textContent, never as HTML. dashboard.js calls `AnalyticsHistory.start` once it knows the site,
// and shows numbers, durations and countries with `AnalyticsFormat`, so both views write them alike.
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const ROWS = 9;
  const DETAIL_ROWS = 100;
  const HISTORY_ON = (document.querySelector('meta[name="history"]') || {}).content === "on";
  const GOALS_ON = (document.querySelector('meta[name="goals"]') || {}).content === "on";
  const RANGES = [
    ["realtime", "Realtime"], ["day", "Today"], ["yesterday", "Yesterday"], ["7d", "Last 7 days"],
    ["30d", "Last 30 days"], ["month", "This month"], ["last_month", "Last month"], ["12mo", "Last 12 months"],
    ["all", "All time"], ["custom", "Custom range"],
  ];
  const NAMES = {
    "event:page": "Page", "event:name": "Event", "event:goal": "Goal", "visit:source": "Source",
    "visit:utm_campaign": "Campaign", "visit:utm_medium": "Medium", "visit:utm_source": "UTM source",
    "visit:country": "Country", "visit:device": "Device", "visit:browser": "Browser", "visit:os": "OS",
    "visit:entry_page": "Entry page", "visit:exit_page": "Exit page",
  };
  const CARDS = [
    { title: "Pages", tabs: [
      { label: "Top pages", dimension: "event:page", metrics: ["visitors", "pageviews"], heads: ["Visitors", "Views"] },
      { label: "Entry pages", dimension: "visit:entry_page", metrics: ["visits"], heads: ["Visits"] },
      { label: "Exit pages", dimension: "visit:exit_page", metrics: ["visits"], heads: ["Visits"] },
    ] },
    { title: "Sources", tabs: [
      { label: "Sources", dimension: "visit:source", metrics: ["visitors"], heads: ["Visitors"] },
      { label: "Campaigns", dimension: "visit:utm_campaign", metrics: ["visitors"], heads: ["Visitors"] },
      { label: "Mediums", dimension: "visit:utm_medium", metrics: ["visitors"], heads: ["Visitors"] },
    ] },
    { title: "Countries", tabs: [
      { label: "Countries", dimension: "visit:country", metrics: ["visitors", "percentage"], heads: ["Visitors", "%"] },
    ] },
    { title: "Devices", tabs: [
      { label: "Devices", dimension: "visit:device", metrics: ["visitors"], heads: ["Visitors"] },
      { label: "Browsers", dimension: "visit:browser", metrics: ["visitors"], heads: ["Visitors"] },
      { label: "OS", dimension: "visit:os", metrics: ["visitors"], heads: ["Visitors"] },
    ] },
    { title: GOALS_ON ? "Goals and events" : "Events", tabs: [
      { label: "Goals", dimension: "event:goal", metrics: ["visitors", "events", "conversion_rate"], heads: ["Visitors", "Events", "CR"] },
      { label: "Events", dimension: "event:name", metrics: ["visitors", "events"], heads: ["Visitors", "Events"] },
    ].filter(function (tab) { return GOALS_ON || tab.dimension !== "event:goal"; }) },
  ];
  const numbers = new Intl.NumberFormat("en-US");
  let regionNames = null;
  try {
    regionNames = new Intl.DisplayNames(["en"], { type: "region" });
  } catch (error) {
    // Older browsers: country codes are shown as they are.
  }

  // MARK: - Formats both views share (dashboard.js uses them through AnalyticsFormat)

  function formatCount(value) {
    return numbers.format(Math.round(Number(value) || 0));
  }

  // "4m 05s": a duration in seconds as the tiles show it.
  function formatDuration(seconds) {
    const value = Math.max(0, Math.round(Number(seconds) || 0));
    if (value < 60) return value + "s";
    const minutes = Math.floor(value / 60);
    if (minutes < 60) return minutes + "m " + String(value % 60).padStart(2, "0") + "s";
    return Math.floor(minutes / 60) + "h " + String(minutes % 60).padStart(2, "0") + "m";
  }

  // "Germany" for "DE" (the browser's own names), the code itself where it has none.
  function countryName(code) {
    if (code === "unknown") return "Unknown";
    try {
      return (regionNames && regionNames.of(code)) || code;
    } catch (error) {
      return code;
    }
  }

  // The flag emoji of a two-letter code: its letters as regional indicator symbols.
  function flagOf(code) {
    if (!/^[A-Z]{2}$/.test(code)) return "";
    return String.fromCodePoint(0x1f1e6 + code.charCodeAt(0) - 65, 0x1f1e6 + code.charCodeAt(1) - 65);
  }

  const state = { site: null, range: "realtime", from: "", to: "", filters: [], generation: 0, details: 0, visitors: null };

  // MARK: - The URL

  function readURL() {
    const params = new URLSearchParams(location.search);
    const range = params.get("range") || "realtime";
    state.range = RANGES.some(function (entry) { return entry[0] === range; }) ? range : "realtime";
    if (!HISTORY_ON) state.range = "realtime";
    state.from = params.get("from") || "";
    state.to = params.get("to") || "";
    if (state.range === "custom" && !(isDate(state.from) && isDate(state.to))) state.range = "30d";
    state.filters = params.getAll("filter").map(function (text) {
      const bar = text.indexOf("|");
      return bar > 0 ? [text.slice(0, bar), text.slice(bar + 1)] : null;
    }).filter(function (filter) { return filter && NAMES[filter[0]]; });
  }

  function isDate(text) {
    return /^\d{4}-\d{2}-\d{2}$/.test(text);
  }

  // The URL of the current view: the site and every choice, in a stable order.
  function viewURL() {
    const params = new URLSearchParams();
    if (state.site) params.set("site", state.site);
    if (state.range !== "realtime") params.set("range", state.range);
    if (state.range === "custom") {
      params.set("from", state.from);
      params.set("to", state.to);
    }
    state.filters.forEach(function (filter) { params.append("filter", filter[0] + "|" + filter[1]); });
    const query = params.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function navigate() {
    const wasRealtime = document.body.classList.contains("is-history") === false;
    history.pushState(null, "", viewURL());
    // Realtime is the live page: it is loaded as such (its stream, its polling).
    if (state.range === "realtime" || wasRealtime) return location.reload();
    load();
  }

  // MARK: - Queries

  function dateRange() {
    return state.range === "custom" ? [state.from, state.to] : state.range;
  }

  function filters() {
    return state.filters.map(function (filter) { return ["is", filter[0], [filter[1]]]; });
  }

  function query(body, accept) {
    return fetch("/api/v2/query", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: accept || "application/json" },
      body: JSON.stringify(Object.assign({ site_id: state.site, date_range: dateRange(), filters: filters() }, body)),
    }).then(function (response) {
      if (accept === "text/csv" && response.ok) return response.blob();
      return response.json().then(function (json) {
        if (!response.ok) throw new Error(json.error || "HTTP " + response.status);
        return json;
      }, function () {
        throw new Error("HTTP " + response.status);
      });
    });
  }

  const comparing = function () { return state.range !== "all"; };

  // MARK: - Loading

  function load() {
    const generation = ++state.generation;
    const current = function () { return generation === state.generation; };
    renderPicker();
    renderChips();
    setStatus("Loading…", "is-connecting");
    const include = comparing() ? { comparisons: { mode: "previous_period" } } : {};
    const tilesAnswer = query({
      metrics: ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"], include: include,
    });
    // The period's visitors, the base of the cards' shares (what the API's percentage and a
    // goal's conversion_rate divide by), so the cards need no second pass over the events.
    state.visitors = tilesAnswer.then(function (json) { return ((json.results || [])[0] || { metrics: [0] }).metrics[0]; });
    const tiles = tilesAnswer.then(function (json) {
      if (current()) renderTiles(json);
    });
    const chart = query({
      metrics: ["visitors"], dimensions: ["time"], include: Object.assign({ time_labels: true }, include),
    }).then(function (json) {
      if (current()) renderChart(json);
    });
    const cards = Array.prototype.map.call(document.querySelectorAll(".history-card"), function (card) {
      return loadCard(card, current);
    });
    Promise.all([tiles, chart].concat(cards)).then(function () {
      if (current()) setStatus("History · updated " + new Date().toLocaleTimeString(), "is-live");
    }, function (error) {
      if (current()) setStatus("History unavailable: " + error.message, "is-stale");
    });
  }

  function setStatus(text, mode) {
    const element = document.getElementById("status-text");
    if (element) element.textContent = text;
    ["is-live", "is-stale", "is-connecting"].forEach(function (name) {
      document.body.classList.toggle(name, name === mode);
    });
  }

  // MARK: - Tiles and chart

  function renderTiles(json) {
    const row = (json.results || [])[0] || { metrics: [0, 0, 0, 0, 0, 0] };
    const names = ["visitors", "visits", "pageviews", "views_per_visit", "bounce_rate", "visit_duration"];
    names.forEach(function (name, index) {
      const tile = document.querySelector('[data-history-tile="' + name + '"]');
      if (!tile) return;
      tile.querySelector(".value").textContent = format(name, row.metrics[index]);
      const change = tile.querySelector(".change");
      const comparison = row.comparison;
      change.className = "change";
      if (!comparison) {
        change.textContent = "";
        return;
      }
      const delta = Number(comparison.change[index]) || 0;
      const unit = name === "bounce_rate" ? " pp" : "%";
      change.textContent = (delta > 0 ? "▲ " : delta < 0 ? "▼ " : "") + Math.abs(delta) + unit +
        " vs " + format(name, comparison.metrics[index]);
      // A lower bounce rate is the better direction.
      const better = name === "bounce_rate" ? delta < 0 : delta > 0;
      if (delta !== 0) change.classList.add(better ? "is-better" : "is-worse");
    });
  }

  function format(metric, value) {
    if (metric === "bounce_rate") return Math.round(value) + "%";
    if (metric === "visit_duration") return formatDuration(value);
    if (metric === "views_per_visit") return (Number(value) || 0).toFixed(2);
    if (metric === "percentage" || metric === "conversion_rate") return (Number(value) || 0).toFixed(1) + "%";
    return formatCount(value);
  }

  // The period's buckets as a line, the previous period's as a dotted line over the same buckets.
  function renderChart(json) {
    const figure = document.querySelector(".history-chart");
    const svg = figure.querySelector("svg");
    const labels = (json.meta && json.meta.time_labels) || [];
    const now = {};
    const before = {};
    (json.results || []).forEach(function (row) {
      now[row.dimensions[0]] = row.metrics[0];
      if (row.comparison) before[row.dimensions[0]] = row.comparison.metrics[0];
    });
    // "All time" starts at the first bucket with visitors.
    let start = 0;
    if (state.range === "all") while (start < labels.length - 1 && !now[labels[start]]) start++;
    const shown = labels.slice(start);
    const width = 1000;
    const height = 200;
    const top = 10;
    const values = shown.map(function (label) { return now[label] || 0; });
    const previous = shown.map(function (label) { return before[label] || 0; });
    const largest = Math.max(1, Math.max.apply(null, values.concat(previous)));
    const x = function (index) { return shown.length > 1 ? (index * width) / (shown.length - 1) : width / 2; };
    const y = function (value) { return height - (value / largest) * (height - top); };
    const nodes = [];
    [0.5, 1].forEach(function (fraction) {
      const line = document.createElementNS(SVG, "line");
      line.setAttribute("class", "grid");
      line.setAttribute("x1", "0");
      line.setAttribute("x2", String(width));
      line.setAttribute("y1", String(y(fraction * largest)));
      line.setAttribute("y2", String(y(fraction * largest)));
      nodes.push(line);
    });
    const line = function (series, name) {
      const polyline = document.createElementNS(SVG, "polyline");
      polyline.setAttribute("class", name);
      polyline.setAttribute("points", series.map(function (value, index) {
        return x(index).toFixed(1) + "," + y(value).toFixed(1);
      }).join(" "));
      return polyline;
    };
    if (comparing()) nodes.push(line(previous, "before"));
    nodes.push(line(values, "now"));
    shown.forEach(function (label, index) {
      const point = document.createElementNS(SVG, "circle");
      point.setAttribute("cx", x(index).toFixed(1));
      point.setAttribute("cy", y(values[index]).toFixed(1));
      point.setAttribute("r", shown.length > 60 ? "0" : "2.5");
      const title = document.createElementNS(SVG, "title");
      title.textContent = label + ": " + numbers.format(values[index]) +
        (comparing() ? " (before: " + numbers.format(previous[index]) + ")" : "");
      point.appendChild(title);
      nodes.push(point);
    });
    svg.replaceChildren.apply(svg, nodes);
    figure.querySelector(".axis-start").textContent = shown[0] || "";
    figure.querySelector(".axis-end").textContent = shown[shown.length - 1] || "";
    figure.querySelector(".axis-max").textContent = "max " + numbers.format(largest);
    figure.querySelector(".legend-before").hidden = !comparing();
    figure.querySelector(".chart-note").textContent = "by " + bucketName(shown);
  }

  function bucketName(labels) {
    if (labels.length && labels[0].length > 10) return "hour";
    if (labels.length > 1 && labels[0].slice(8) === "01" && labels[1].slice(8) === "01") return "month";
    return "day";
  }

  // MARK: - Cards

  function buildCards() {
    const container = document.querySelector(".history-cards");
    const cards = CARDS.map(function (definition, index) {
      const card = document.createElement("article");
      card.className = "card history-card";
      card.setAttribute("data-card", String(index));
      card.setAttribute("data-tab", "0");
      const head = document.createElement("div");
      head.className = "card-head";
      const title = document.createElement("h2");
      title.textContent = definition.title;
      head.appendChild(title);
      if (definition.tabs.length > 1) {
        const tabs = document.createElement("div");
        tabs.className = "card-tabs";
        definition.tabs.forEach(function (tab, tabIndex) {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = tab.label;
          button.setAttribute("aria-pressed", tabIndex === 0 ? "true" : "false");
          button.addEventListener("click", function () {
            card.setAttribute("data-tab", String(tabIndex));
            tabs.querySelectorAll("button").forEach(function (other, otherIndex) {
              other.setAttribute("aria-pressed", otherIndex === tabIndex ? "true" : "false");
            });
            loadCard(card, function () { return true; });
          });
          tabs.appendChild(button);
        });
        head.appendChild(tabs);
      }
      card.appendChild(head);
      const table = document.createElement("table");
      table.appendChild(document.createElement("thead"));
      table.appendChild(document.createElement("tbody"));
      card.appendChild(table);
      const foot = document.createElement("div");
      foot.className = "card-foot";
      const note = document.createElement("span");
      note.className = "card-note";
      const details = document.createElement("button");
      details.type = "button";
      details.className = "details-open";
      details.textContent = "Details";
      details.addEventListener("click", function () { openDetails(tabOf(card)); });
      foot.appendChild(note);
      foot.appendChild(details);
      card.appendChild(foot);
      return card;
    });
    container.replaceChildren.apply(container, cards);
  }

  function tabOf(card) {
    return CARDS[Number(card.getAttribute("data-card"))].tabs[Number(card.getAttribute("data-tab"))];
  }

  function tableQuery(tab, limit) {
    const query = {
      metrics: tab.metrics, dimensions: [tab.dimension], pagination: { limit: limit, offset: 0 },
      include: { total_rows: true },
    };
    // Goals are grouped or filtered on, not both: the Goals card shows every goal, the chosen
    // one among them.
    if (tab.dimension === "event:goal") {
      query.filters = filters().filter(function (filter) { return filter[1] !== "event:goal"; });
    }
    return query;
  }

  function loadCard(card, current) {
    const tab = tabOf(card);
    const note = card.querySelector(".card-note");
    // A share (percentage, conversion rate) is worked out here from the period's visitors.
    const share = tab.metrics[tab.metrics.length - 1];
    const shared = share === "percentage" || share === "conversion_rate";
    const request = tableQuery(tab, ROWS);
    if (shared) request.metrics = tab.metrics.slice(0, -1);
    return Promise.all([query(request), shared ? state.visitors : null]).then(function (answers) {
      const json = answers[0];
      if (!current()) return;
      if (shared) {
        const visitors = Number(answers[1]) || 0;
        (json.results || []).forEach(function (row) {
          const value = visitors > 0 ? (100 * (Number(row.metrics[0]) || 0)) / visitors : 0;
          row.metrics.push(Math.round(value * (share === "percentage" ? 10 : 100)) / (share === "percentage" ? 10 : 100));
        });
      }
      note.className = "card-note";
      renderRows(card.querySelector("table"), tab, json.results || []);
      const total = (json.meta && json.meta.total_rows) || 0;
      note.textContent = total > ROWS ? "and " + numbers.format(total - ROWS) + " more" : "";
    }, function (error) {
      if (!current()) return;
      renderRows(card.querySelector("table"), tab, []);
      note.className = "card-note card-error";
      // Goals need GOALS: the card says so instead of failing the page.
      note.textContent = error.message;
    });
  }

  function label(dimension, value) {
    if (value === "") return "(none)";
    return dimension === "visit:country" ? countryName(value) : value;
  }

  function flag(dimension, value) {
    return dimension === "visit:country" ? flagOf(value) : "";
  }

  // Rows with a bar by the first metric; a click filters the whole page on the row's value.
  function renderRows(table, tab, results) {
    const headRow = document.createElement("tr");
    [NAMES[tab.dimension] || tab.label].concat(tab.heads).forEach(function (text, index) {
      const cell = document.createElement("th");
      cell.scope = "col";
      if (index > 0) cell.className = "num";
      cell.textContent = text;
      headRow.appendChild(cell);
    });
    table.tHead.replaceChildren(headRow);
    const largest = results.reduce(function (max, row) { return Math.max(max, Number(row.metrics[0]) || 0); }, 0);
    const rows = results.map(function (result) {
      const value = String(result.dimensions[0]);
      const row = document.createElement("tr");
      row.setAttribute("title", "Filter on " + (NAMES[tab.dimension] || "") + " " + label(tab.dimension, value));
      const cell = document.createElement("td");
      cell.className = "label";
      const bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = largest > 0 ? ((100 * (Number(result.metrics[0]) || 0)) / largest).toFixed(1) + "%" : "0";
      const name = document.createElement("span");
      name.className = "name";
      const emoji = flag(tab.dimension, value);
      if (emoji) {
        const span = document.createElement("span");
        span.className = "flag";
        span.setAttribute("aria-hidden", "true");
        span.textContent = emoji;
        name.appendChild(span);
      }
      name.appendChild(document.createTextNode(label(tab.dimension, value)));
      cell.appendChild(bar);
      cell.appendChild(name);
      row.appendChild(cell);
      result.metrics.forEach(function (metric, index) {
        const number = document.createElement("td");
        number.className = "num";
        number.textContent = format(tab.metrics[index], metric);
        row.appendChild(number);
      });
      row.addEventListener("click", function () { addFilter(tab.dimension, value); });
      return row;
    });
    if (rows.length === 0) {
      const row = document.createElement("tr");
      const cell = document.createElement("td");
      cell.className = "empty";
      cell.colSpan = tab.heads.length + 1;
      cell.textContent = "nothing in this period";
      row.appendChild(cell);
      rows.push(row);
    }
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
  }

  // MARK: - Filters

  function addFilter(dimension, value) {
    document.getElementById("details").open && document.getElementById("details").close();
    state.filters = state.filters.filter(function (filter) { return filter[0] !== dimension; });
    state.filters.push([dimension, value]);
    navigate();
  }

  function renderChips() {
    const container = document.querySelector(".chips");
    const chips = state.filters.map(function (filter, index) {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = (NAMES[filter[0]] || filter[0]) + " is " + label(filter[0], filter[1]);
      chip.setAttribute("title", "Remove this filter");
      chip.addEventListener("click", function () {
        state.filters.splice(index, 1);
        navigate();
      });
      return chip;
    });
    container.replaceChildren.apply(container, chips);
  }

  // MARK: - Details

  function openDetails(tab) {
    const dialog = document.getElementById("details");
    document.getElementById("details-title").textContent = tab.label;
    const note = dialog.querySelector(".details-note");
    note.textContent = "Loading…";
    renderRows(dialog.querySelector("table"), tab, []);
    dialog.setAttribute("data-dimension", tab.dimension);
    document.getElementById("details-csv").onclick = function () { downloadCSV(tab); };
    if (!dialog.open) dialog.showModal();
    // A late answer for another card or another view is not shown.
    const asked = ++state.details;
    const generation = state.generation;
    const current = function () { return asked === state.details && generation === state.generation && dialog.open; };
    query(tableQuery(tab, DETAIL_ROWS)).then(function (json) {
      if (!current()) return;
      renderRows(dialog.querySelector("table"), tab, json.results || []);
      const total = (json.meta && json.meta.total_rows) || 0;
      note.textContent = total > DETAIL_ROWS
        ? "The first " + DETAIL_ROWS + " of " + numbers.format(total) + "; the CSV has up to 10,000."
        : numbers.format(total) + (total === 1 ? " row" : " rows");
    }, function (error) {
      if (current()) note.textContent = error.message;
    });
  }

  function downloadCSV(tab) {
    query(tableQuery(tab, 10000), "text/csv").then(function (blob) {
      const anchor = document.createElement("a");
      anchor.href = URL.createObjectURL(blob);
      anchor.download = (state.site + "-" + tab.dimension.replace(":", "-") + "-" + state.range + ".csv")
        .replace(/[^A-Za-z0-9._-]/g, "_");
      document.body.appendChild(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(function () { URL.revokeObjectURL(anchor.href); }, 10000);
    }, function (error) {
      document.querySelector("#details .details-note").textContent = error.message;
    });
  }

  // MARK: - The picker

  function renderPicker() {
    const form = document.querySelector(".range-picker");
    form.hidden = false;
    const select = document.getElementById("range");
    const options = (HISTORY_ON ? RANGES : RANGES.slice(0, 1)).map(function (entry) {
      const option = document.createElement("option");
      option.value = entry[0];
      option.textContent = entry[1];
      option.selected = entry[0] === state.range;
      return option;
    });
    select.replaceChildren.apply(select, options);
    select.disabled = !HISTORY_ON;
    document.getElementById("history-off").hidden = HISTORY_ON;
    const custom = form.querySelector(".custom-range");
    custom.hidden = state.range !== "custom";
    document.getElementById("range-from").value = state.from;
    document.getElementById("range-to").value = state.to;
    select.onchange = function () {
      if (select.value === "custom") {
        custom.hidden = false;
        const today = new Date().toISOString().slice(0, 10);
        if (!state.from) document.getElementById("range-from").value = today;
        if (!state.to) document.getElementById("range-to").value = today;
        return;
      }
      state.range = select.value;
      navigate();
    };
    form.onsubmit = function (event) {
      event.preventDefault();
      const from = document.getElementById("range-from").value;
      const to = document.getElementById("range-to").value;
      if (!isDate(from) || !isDate(to)) return;
      state.range = "custom";
      state.from = from <= to ? from : to;
      state.to = from <= to ? to : from;
      navigate();
    };
  }

  // Called by dashboard.js with the site the page shows (null: every site, live only). Returns
  // true when the history view takes the page, false for the live view.
  function start(site) {
    readURL();
    state.site = site;
    if (!site) {
      state.range = "realtime";
      if (!HISTORY_ON) document.getElementById("history-off").hidden = false;
      return false;
    }
    renderPicker();
    if (state.range === "realtime") return false;
    document.body.classList.add("is-history");
    document.querySelector(".history").hidden = false;
    document.title = site + " · Analytics · history";
    buildCards();
    load();
    window.addEventListener("popstate", function () {
      readURL();
      if (state.range === "realtime") return location.reload();
      load();
    });
    return true;
  }

  window.AnalyticsHistory = { start: start };
  window.AnalyticsFormat = {
    count: formatCount, duration: formatDuration, countryName: countryName, flagOf: flagOf,
  };
})();
