/* "Show table" without dash-ag-grid at start (dashboard/lazy_grid.py): the page does not load the grid's bundle;
   the first click on the button fetches it (its URL is the button's data-grid-script), then lets the click
   through, so the server's mount_grid callback puts the grid into the page only once its component can be drawn.
   Later clicks pass straight through. */
(function () {
  "use strict";
  var BUTTON = "table-toggle";
  var loading = false;

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest ? e.target.closest("#" + BUTTON) : null;
    if (!button || window.dash_ag_grid) { return; }
    e.preventDefault();
    e.stopImmediatePropagation();
    if (loading) { return; }
    var src = button.getAttribute("data-grid-script");
    if (!src) { return; }
    loading = true;
    button.setAttribute("aria-busy", "true");
    var s = document.createElement("script");
    s.src = src;
    s.onload = function () { loading = false; button.removeAttribute("aria-busy"); button.click(); };
    s.onerror = function () {
      loading = false;
      button.removeAttribute("aria-busy");
      console.warn("the records table could not be loaded");
    };
    document.head.appendChild(s);
  }, true);
})();
