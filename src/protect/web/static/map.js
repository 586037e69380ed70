// The map's sliders (month of the alerts map, year of the forecast map): show the value while
// it moves, load it when let go. Without this file each slider still works through its form's
// Show button.
(function () {
  "use strict";
  function monthLabel(n) {
    var year = Math.floor(n / 12);
    var month = (n % 12) + 1;
    return String(year).padStart(4, "0") + "-" + String(month).padStart(2, "0");
  }
  function wire(sliderId, shownId, drop, param, label) {
    var slider = document.getElementById(sliderId);
    var shown = document.getElementById(shownId);
    if (!slider || !shown) { return; }
    slider.addEventListener("input", function () {
      shown.textContent = label(Number(slider.value));
      slider.setAttribute("aria-valuetext", shown.textContent);
    });
    slider.addEventListener("change", function () {
      var url = new URL(window.location.href);
      if (drop) { url.searchParams.delete(drop); }
      url.searchParams.set(param, label(Number(slider.value)));
      window.location.assign(url.toString());
    });
  }
  wire("map-slider", "map-month-shown", "m", "month", monthLabel);
  wire("map-year-slider", "map-year-shown", null, "year", String);
}());
