// The footer of every page: the page's own address (printed pages carry it) and, on pages that are
// not rewritten every day (record pages, withdrawal notices), the data date from build-info.json.
(function () {
  "use strict";
  var here = document.querySelector("[data-page-url]");
  if (here) here.textContent = window.location.href;
  var slot = document.querySelector("[data-as-of-src]");
  if (!slot || !window.fetch) return;
  fetch(slot.getAttribute("data-as-of-src"), { cache: "no-cache" })
    .then(function (res) { return res.ok ? res.json() : null; })
    .then(function (info) {
      if (info && typeof info.as_of === "string" && /^\d{4}-\d{2}-\d{2}$/.test(info.as_of)) {
        slot.querySelector("[data-as-of]").textContent = info.as_of;
        slot.setAttribute("data-as-of-loaded", "");
      }
    })
    .catch(function () { /* offline or file:// — the fallback text stays */ });
})();
