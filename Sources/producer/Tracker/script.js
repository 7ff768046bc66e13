// The analytics tracker: `<script defer src="https://collector.example/script.js"></script>`.
// Sends a page_view on load and on every single-page-app navigation, `window.analytics(name,
// props)` for custom events, and with `data-track-outbound` clicks on links to other hosts. No
// cookies, no storage: the session id lives in this tab's memory only. `data-respect-dnt` sends
// nothing when the browser asks not to be tracked (Do Not Track or Global Privacy Control).
// `data-site="shop.example.com"` names the site the events count for (else the page's host).
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__analyticsTracker) return;
  window.__analyticsTracker = true;
  var endpoint = new URL("/event", script.src).href;
  var optedOut =
    script.hasAttribute("data-respect-dnt") &&
    (navigator.doNotTrack === "1" || window.doNotTrack === "1" || navigator.globalPrivacyControl === true);

  function newSessionID() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  var session = newSessionID();
  var site = script.getAttribute("data-site");

  function send(type, metadata) {
    if (optedOut) return;
    var event = { type: type, session_id: session, url: location.href };
    if (site) event.site = site;
    if (document.referrer) event.referrer = document.referrer;
    if (metadata) event.metadata = metadata;
    var body = JSON.stringify(event);
    // A beacon survives the page being left; text/plain needs no CORS preflight.
    if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) return;
    fetch(endpoint, {
      method: "POST", body: body, keepalive: true, credentials: "omit",
      headers: { "Content-Type": "text/plain" }
    }).catch(function () {});
  }

  // One page view per address; a change of #fragment alone is the same page.
  var lastPage = null;
  function pageView() {
    var page = location.href.split("#")[0];
    if (page === lastPage) return;
    lastPage = page;
    send("page_view");
  }

  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      pageView();
      return result;
    };
  });
  window.addEventListener("popstate", pageView);

  if (script.hasAttribute("data-track-outbound")) {
    var outbound = function (event) {
      if (event.type === "auxclick" && event.button !== 1) return;
      var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || !/^https?:$/.test(link.protocol) || link.host === location.host) return;
      send("click", { outbound_url: link.href });
    };
    document.addEventListener("click", outbound, true);
    document.addEventListener("auxclick", outbound, true);
  }

  // Calls made before the script loaded (window.analytics.q), then the real function.
  var queued = (window.analytics && window.analytics.q) || [];
  window.analytics = function (name, properties) {
    send(name, properties && typeof properties === "object" ? properties : undefined);
  };
  queued.forEach(function (call) { window.analytics.apply(null, call); });

  pageView();
})();
