/* Tells the server how large each view is drawn, so that labels are placed for the room they have: the pixel
   size of the timeline, the map and the network, in the "view-sizes" store, when the page opens and after the
   window is resized (debounced). Labels that do not fit are counted or left out by the server's placement; the
   figures never depend on anything else from the browser.

   A view that shrinks is drawn again for its new size (its labels could now overlap). A view that grows a little
   (by at most GROW_SLACK in width and height, as when the network's legend loses a line) is not: what was placed
   for the smaller box still fits the larger one, and drawing everything twice would cost the user a second wait. */
(function () {
  "use strict";
  var STORE = "view-sizes";
  // the box each view fills: the graphs' boxes are on the page before the graphs' code has loaded, so the sizes
  // can go with the page's first requests
  var VIEWS = { timeline: ".panel-timeline .graph-stack", map: ".panel-map .graph-stack", network: "#network-graph" };
  var GROW_SLACK = 0.1;
  var ANYWAY_AFTER = 4;  // polls (50 ms apart) after the boxes are on the page
  var lastSizes = null;
  var timer = null;
  // what was last sent, how often, and whether the views are drawn for the room they have now (a test or a
  // screenshot script waits for settled())
  window.viewSizes = {
    sent: "", count: 0,
    measure: function () { return JSON.stringify(measure()); },
    settled: function () { var now = measure(true); return !!(lastSizes && now && fits(lastSizes, now)); }
  };

  // the views drawn for `drawn` still fit the room `now`: none is smaller, none more than GROW_SLACK larger
  function fits(drawn, now) {
    for (var key in VIEWS) {
      for (var i = 0; i < 2; i++) {
        var d = drawn[key][i], n = now[key][i];
        if (n < d || n > d * (1 + GROW_SLACK)) { return false; }
      }
    }
    return true;
  }

  // null until every view's box is on the page; a box with no room yet (under 10 px) waits too, unless `anyway`:
  // in a very small window it may never have any, and the views are drawn only once their sizes have been sent
  // (the server takes its default size for one it cannot use)
  function measure(anyway) {
    var out = {};
    for (var key in VIEWS) {
      var el = document.querySelector(VIEWS[key]);
      if (!el) { return null; }
      var r = el.getBoundingClientRect();
      if (!anyway && (r.width < 10 || r.height < 10)) { return null; }
      out[key] = [Math.round(r.width), Math.round(r.height)];
    }
    return out;
  }

  function send(anyway) {
    if (!(window.dash_clientside && window.dash_clientside.set_props)) { return false; }
    var sizes = measure(anyway);
    if (!sizes) { return false; }
    if (!(lastSizes && fits(lastSizes, sizes))) {
      lastSizes = sizes;
      window.viewSizes.sent = JSON.stringify(sizes);
      window.viewSizes.count += 1;
      window.dash_clientside.set_props(STORE, { data: sizes });
    }
    return true;
  }

  function start() {
    var tries = 0;
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(send, 250);
    }
    var waited = 0;  // polls since the boxes are on the page
    (function poll() {
      // the boxes have their size from the page's first frame (dashboard.views.filters.slot); a view still
      // without room a few polls later has none to get
      if (document.querySelector(VIEWS.network)) { waited += 1; }
      if (send(waited > ANYWAY_AFTER)) {
        // presentation mode, the table's toggle and late fonts change the panels' sizes without a window resize
        if (window.ResizeObserver) {
          var seen = new ResizeObserver(later);
          for (var key in VIEWS) { seen.observe(document.querySelector(VIEWS[key])); }
        }
        var root = document.getElementById("app-root");
        if (root) { new MutationObserver(later).observe(root, { attributes: true, attributeFilter: ["class"] }); }
      } else if (tries++ < 200) {
        window.setTimeout(poll, 50);
      }
    })();
    window.addEventListener("resize", later);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
