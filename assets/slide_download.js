/* "Download slide": the server sends the slide's figure as plain JSON (dashboard/slides.py, slide_payload, into
   the slide-download store); this renders it to a PNG with plotly.js's own toImage — the engine kaleido runs on the
   command line — at the slide's width and height and scale (3840×2160 = 1920×1080 at scale 2), and downloads it
   under the name the server gave (filenames.export_name). Rendering in the user's browser keeps the server free:
   a slide costs it a few tens of milliseconds of JSON, not a second of headless Chromium.
   Registered as a clientside callback (window.dash_clientside.slides.download): the page's Content-Security-Policy
   forbids inline scripts and eval. The map's topojson comes from the figure's config (/assets/topojson/). */
(function () {
  "use strict";

  function pngBlob(dataUrl) {
    // a data: URL decoded by hand: fetch() of a data: URL is outside the page's connect-src
    var bytes = atob(dataUrl.slice(dataUrl.indexOf(",") + 1));
    var buf = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) { buf[i] = bytes.charCodeAt(i); }
    return new Blob([buf], { type: "image/png" });
  }

  function save(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.slides = {
    download: function (payload) {
      var noUpdate = window.dash_clientside.no_update;
      if (!payload || !payload.figure || !window.Plotly) { return noUpdate; }
      var button = document.getElementById("download-slide-button");
      if (button) { button.disabled = true; }
      var done = function () { if (button) { button.disabled = false; } };
      return window.Plotly.toImage(payload.figure, {
        format: "png", width: payload.width, height: payload.height, scale: payload.scale
      }).then(function (dataUrl) {
        save(pngBlob(dataUrl), payload.filename);
        done();
        return { filename: payload.filename, width: Math.round(payload.width * payload.scale),
                 height: Math.round(payload.height * payload.scale) };
      }, function (err) {
        done();
        return { filename: payload.filename, error: String(err && err.message || err) };
      });
    }
  };
})();
