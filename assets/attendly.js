/* Attendly's small browser helpers: chart image export, the Print button, print sizing. */
(function () {
  "use strict";
  var PRINT_WIDTH = 680; /* px: fits Letter and A4 portrait inside 12 mm margins */

  function plotOf(graphId) {
    var holder = document.getElementById(graphId);
    return holder && (holder.classList.contains("js-plotly-plot")
      ? holder : holder.querySelector(".js-plotly-plot"));
  }

  /* The Export menu's image items carry a pattern-matching id, which Dash renders as the
     JSON of {format, graph, type}: read it, then let Plotly save the chart under its file name. */
  function exportImage(item) {
    var id;
    try { id = JSON.parse(item.id); } catch (e) { return; }
    var plot = plotOf(id.graph);
    if (!plot || !window.Plotly) { return; }
    var options = (plot._context && plot._context.toImageButtonOptions) || {};
    var layout = plot._fullLayout || {};
    window.Plotly.downloadImage(plot, {
      format: id.format,
      filename: options.filename || "attendly-chart",
      width: layout.width || 900,
      height: layout.height || 450,
      scale: id.format === "png" ? 2 : 1
    });
  }

  document.addEventListener("click", function (event) {
    var item = event.target.closest && event.target.closest("[id*='shell-image-export']");
    if (item) { exportImage(item); }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".print-button")) { window.print(); }
  });

  /* Plotly does not re-lay-out for print (plotly.js #1275): fix the width before printing,
     give the charts back their responsive size afterwards. */
  function plots() { return Array.prototype.slice.call(document.querySelectorAll(".js-plotly-plot")); }
  window.addEventListener("beforeprint", function () {
    if (!window.Plotly) { return; }
    plots().forEach(function (plot) {
      window.Plotly.relayout(plot, { width: PRINT_WIDTH, autosize: false });
    });
  });
  window.addEventListener("afterprint", function () {
    if (!window.Plotly) { return; }
    plots().forEach(function (plot) {
      window.Plotly.relayout(plot, { width: null, autosize: true });
    });
  });
})();
