/* Clicking the background of a view (no mark under the pointer) or pressing Escape clears the selection.
   Plotly and Cytoscape report clicks on marks only, so this listens for the rest and tells Dash through the
   "background-click" store. Loaded from assets/ (served locally like everything else). */
(function () {
  "use strict";
  var STORE = "background-click";
  var GRAPHS = ["timeline-graph", "map-graph"];
  var NETWORK = "network-graph";
  var lastMarkClick = 0;
  var down = null;

  function clear() {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(STORE, { data: Date.now() });
    }
  }

  function plotlyDiv(container) {
    return container && container.querySelector(".js-plotly-plot");
  }

  function wireGraph(id) {
    var container = document.getElementById(id);
    var gd = plotlyDiv(container);
    if (!gd || gd.__bgClickWired || typeof gd.on !== "function") { return false; }
    gd.__bgClickWired = true;
    gd.on("plotly_click", function () { lastMarkClick = Date.now(); });
    gd.addEventListener("mousedown", function (e) { down = [e.clientX, e.clientY]; }, true);
    gd.addEventListener("click", function (e) {
      if (!down || Math.abs(e.clientX - down[0]) > 4 || Math.abs(e.clientY - down[1]) > 4) { return; }
      if (e.target.closest(".modebar, .legend, .annotation, .slider-container")) { return; }
      var at = Date.now();
      setTimeout(function () { if (lastMarkClick < at - 400) { clear(); } }, 120);
    }, true);
    return true;
  }

  function wireNetwork() {
    var container = document.getElementById(NETWORK);
    if (!container) { return false; }
    var nodes = [container].concat(Array.prototype.slice.call(container.querySelectorAll("div")));
    for (var i = 0; i < nodes.length; i++) {
      var reg = nodes[i]._cyreg;
      if (reg && reg.cy && !reg.cy.__bgClickWired) {
        reg.cy.__bgClickWired = true;
        reg.cy.on("tap", function (evt) { if (evt.target === evt.cy) { clear(); } });
        return true;
      }
    }
    return false;
  }

  function wireAll() {
    GRAPHS.forEach(wireGraph);
    wireNetwork();
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || e.target.closest("input, textarea, .Select, .dash-dropdown")) { return; }
    var root = document.querySelector(".app.present");
    var exit = document.getElementById("present-exit");
    if (root && exit) { exit.click(); } else { clear(); }
  });
  new MutationObserver(wireAll).observe(document.documentElement, { childList: true, subtree: true });
  window.addEventListener("load", wireAll);
})();
