/* dashboard.static_html.HtmlBlock: one div whose content is HTML the server wrote from dash.html components (every
   text and attribute escaped there). A static part of the page — the source panel, the network's legend — is then
   one Dash component instead of dozens: Dash's renderer runs every mounted component's selector each time a new
   component announces itself, and each of those components did. */
(function () {
  "use strict";
  var React = window.React;
  function HtmlBlock(props) {
    var attrs = { dangerouslySetInnerHTML: { __html: props.html || "" } };
    if (props.id) { attrs.id = props.id; }
    if (props.className) { attrs.className = props.className; }
    return React.createElement("div", attrs);
  }
  window.dashboard_static = { HtmlBlock: HtmlBlock };
})();
