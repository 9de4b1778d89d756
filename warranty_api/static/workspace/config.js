// The brand set-up screens: the branding preview follows the colour fields, with their contrast; the serial test
// box answers as one types. Without script the forms still work (the test box submits as a GET form).
(function () {
  "use strict";
  function channel(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function luminance(hex) {
    var h = hex.replace("#", "");
    if (h.length === 3) { h = h.split("").map(function (c) { return c + c; }).join(""); }
    var r = parseInt(h.slice(0, 2), 16), g = parseInt(h.slice(2, 4), 16), b = parseInt(h.slice(4, 6), 16);
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  }
  function ratio(a, b) { var x = luminance(a), y = luminance(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }

  var preview = document.querySelector("[data-brand-preview]");
  var readout = document.querySelector("[data-contrast-readout]");
  var primary = document.getElementById("id_primary_color");
  var accent = document.getElementById("id_accent_color");
  function update() {
    if (!preview) { return; }
    var text = [];
    if (primary && /^#[0-9a-fA-F]{6}$/.test(primary.value)) {
      preview.style.setProperty("--primary", primary.value);
      var r = ratio(primary.value, "#ffffff");
      text.push("White text on the primary colour: " + r.toFixed(1) + ":1" + (r < 4.5 ? " (too low, aim for 4.5:1)" : " (readable)"));
    }
    if (accent && /^#[0-9a-fA-F]{6}$/.test(accent.value)) {
      preview.style.setProperty("--accent", accent.value);
      var a = ratio(accent.value, "#fafafa");
      text.push("Accent against the page: " + a.toFixed(1) + ":1" + (a < 3 ? " (hard to see, aim for 3:1)" : " (visible)"));
    }
    if (readout) { readout.textContent = text.join(" · "); }
  }
  [primary, accent].forEach(function (el) { if (el) { el.addEventListener("input", update); } });
  update();

  var box = document.querySelector("[data-serial-test]");
  if (box) {
    var input = box.querySelector("input[name=serial]");
    var result = document.querySelector("[data-serial-result]");
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = box.getAttribute("action") + "?partial=1&serial=" + encodeURIComponent(input.value);
        fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { if (html && result) { result.innerHTML = html; } });
      }, 250);
    });
  }
})();
