/* Names the PNG a Plotly toolbar downloads after the view and the filters ("map_1936-1938_trotskyism.png").
   The server puts the name in the figure (layout.meta.filename, see dashboard/context.py); it is copied into the
   graph's image options just before Plotly's own handler runs, so the config never changes (a config change
   would make Plotly redraw the whole figure at every filter change). */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".modebar-btn");
    if (!button) { return; }
    var gd = button.closest(".js-plotly-plot");
    var name = gd && gd.layout && gd.layout.meta && gd.layout.meta.filename;
    if (name && gd._context && gd._context.toImageButtonOptions) {
      gd._context.toImageButtonOptions.filename = name;
    }
  }, true);
})();

/* The "SVG" button beside a Plotly view: the same image as vector graphics, with the same name. */
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".svg-download");
    if (!button || !window.Plotly) { return; }
    var container = document.getElementById(button.getAttribute("data-graph"));
    var gd = container && container.querySelector(".js-plotly-plot");
    if (!gd) { return; }
    var name = (gd.layout && gd.layout.meta && gd.layout.meta.filename) || button.getAttribute("data-graph");
    window.Plotly.downloadImage(gd, { format: "svg", filename: name });
  });
})();
