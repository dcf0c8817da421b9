/* The network's "SVG" button without the cytoscape "extra" bundle at start: the page loads dash-cytoscape's base
   bundle (no SVG exporter, 0.3 MB less on the first visit); the first click on the button fetches the exporter
   (assets/lazy/cytoscape-svg.js, cytoscape-svg 0.4.0, which Dash does not load with the page), installs it on the
   network's own cytoscape instance, then lets the click through, so the server's callback asks for
   generateImage {type: "svg"} only once the instance can answer it. Later clicks pass straight through. */
(function () {
  "use strict";
  var BUTTON = "network-svg-button";
  var NETWORK = "network-graph";
  var here = document.currentScript && document.currentScript.src;
  var SRC = here ? here.replace(/network_svg\.js(\?.*)?$/, "lazy/cytoscape-svg.js") : "/assets/lazy/cytoscape-svg.js";
  var waiting = [];

  function instance() {
    var host = document.getElementById(NETWORK);
    if (!host) { return null; }
    var nodes = [host].concat(Array.prototype.slice.call(host.querySelectorAll("div")));
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i]._cyreg && nodes[i]._cyreg.cy) { return nodes[i]._cyreg.cy; }
    }
    return null;
  }

  // true when the network's instance has cy.svg (installing it if the exporter is loaded)
  function ready() {
    var cy = instance();
    if (!cy) { return false; }
    if (!cy.svg && typeof window.cytoscapeSvg === "function") {
      window.cytoscapeSvg(function (kind, name, fn) { if (kind === "core") { cy[name] = fn; } });
    }
    return typeof cy.svg === "function";
  }

  function load(done) {
    waiting.push(done);
    if (waiting.length > 1) { return; }
    var s = document.createElement("script");
    s.src = SRC;
    s.onload = function () { var w = waiting; waiting = []; w.forEach(function (f) { f(); }); };
    s.onerror = function () { waiting = []; console.warn("the SVG exporter could not be loaded"); };
    document.head.appendChild(s);
  }

  // capture phase on window: runs before React's listeners on the page root, so the click is held back
  window.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#" + BUTTON);
    if (!button || ready()) { return; }
    e.stopImmediatePropagation();
    e.preventDefault();
    load(function () { if (ready()) { button.click(); } });
  }, true);
}());
