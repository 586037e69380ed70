// The map's month slider: show the month while it moves, load it when let go.
// Without this file the slider still works through the form's Show button.
(function () {
  "use strict";
  var slider = document.getElementById("map-slider");
  var shown = document.getElementById("map-month-shown");
  if (!slider || !shown) { return; }
  function label(n) {
    var year = Math.floor(n / 12);
    var month = (n % 12) + 1;
    return String(year).padStart(4, "0") + "-" + String(month).padStart(2, "0");
  }
  slider.addEventListener("input", function () {
    shown.textContent = label(Number(slider.value));
    slider.setAttribute("aria-valuetext", shown.textContent);
  });
  slider.addEventListener("change", function () {
    var url = new URL(window.location.href);
    url.searchParams.delete("m");
    url.searchParams.set("month", label(Number(slider.value)));
    window.location.assign(url.toString());
  });
}());
