/* Tells the server how large each view is drawn, so that labels are placed for the room they have: the pixel
   size of the timeline, the map and the network, in the "view-sizes" store, when the page opens and after the
   window is resized (debounced). Labels that do not fit are counted or left out by the server's placement; the
   figures never depend on anything else from the browser. */
(function () {
  "use strict";
  var STORE = "view-sizes";
  var VIEWS = { timeline: "timeline-graph", map: "map-graph", network: "network-graph" };
  var last = "";
  var timer = null;
  // what was last sent and how to measure now: a test (or a screenshot script) waits until they agree
  window.viewSizes = { sent: "", measure: function () { return JSON.stringify(measure()); } };

  function measure() {
    var out = {};
    for (var key in VIEWS) {
      var el = document.getElementById(VIEWS[key]);
      if (!el) { return null; }
      var r = el.getBoundingClientRect();
      if (r.width < 10 || r.height < 10) { return null; }
      out[key] = [Math.round(r.width), Math.round(r.height)];
    }
    return out;
  }

  function send() {
    if (!(window.dash_clientside && window.dash_clientside.set_props)) { return false; }
    var sizes = measure();
    if (!sizes) { return false; }
    var key = JSON.stringify(sizes);
    if (key !== last) {
      last = key;
      window.dash_clientside.set_props(STORE, { data: sizes });
    }
    window.viewSizes.sent = last;
    return true;
  }

  function start() {
    var tries = 0;
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(send, 250);
    }
    (function poll() {
      if (send()) {
        // presentation mode, the table's toggle and late fonts change the panels' sizes without a window resize
        if (window.ResizeObserver) {
          var seen = new ResizeObserver(later);
          for (var key in VIEWS) { seen.observe(document.getElementById(VIEWS[key])); }
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
