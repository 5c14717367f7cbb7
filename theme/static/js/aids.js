/* Every page's one script. Reading aids: 繁體 (converted in the browser with the vendored
   opencc-js), larger text and high contrast (CSS classes on <html>). The choice is kept in
   localStorage, so it holds across pages. Loaded in <head> without defer: the classes are set
   before the first paint; the buttons and the footer (below) wait for the document. */
(function () {
  "use strict";

  var KEY = "gongshi-aids";
  var OPENCC = "vendor/opencc-js-1.4.2/opencc.full.min.js";
  var SKIP = { SCRIPT: 1, STYLE: 1, TEXTAREA: 1, CODE: 0 };
  var root = document.documentElement;
  var script = document.currentScript;
  var staticBase = script ? script.src.replace(/js\/aids\.js(\?.*)?$/, "") : "";

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return { hant: !!saved.hant, large: !!saved.large, contrast: !!saved.contrast };
    } catch (e) {
      return { hant: false, large: false, contrast: false };
    }
  }

  function save(state) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(state));
    } catch (e) {
      /* private mode: the choice lasts for this page only */
    }
  }

  var state = load();
  root.classList.toggle("aid-large", state.large);
  root.classList.toggle("aid-contrast", state.contrast);

  var ready = null;
  var toTraditional = null;
  var toSimplified = function (text) { return text; };

  function loadOpenCC() {
    if (ready) return ready;
    ready = new Promise(function (resolve, reject) {
      if (window.OpenCC) return resolve(window.OpenCC);
      var tag = document.createElement("script");
      tag.src = staticBase + OPENCC;
      tag.onload = function () { resolve(window.OpenCC); };
      tag.onerror = function () { reject(new Error("繁體转换文件加载失败")); };
      document.head.appendChild(tag);
    }).then(function (OpenCC) {
      toTraditional = OpenCC.Converter({ from: "cn", to: "tw" });
      toSimplified = OpenCC.Converter({ from: "tw", to: "cn" });
      return OpenCC;
    });
    return ready;
  }

  function skipped(node) {
    for (var el = node.nodeType === 1 ? node : node.parentNode; el && el.nodeType === 1; el = el.parentNode) {
      if (SKIP[el.nodeName] || el.hasAttribute("data-no-convert")) return true;
    }
    return false;
  }

  function convertTree(node) {
    if (skipped(node)) return;
    if (node.nodeType === 3) {
      var text = toTraditional(node.nodeValue);
      if (text !== node.nodeValue) node.nodeValue = text;
      return;
    }
    if (node.nodeType !== 1) return;
    ["placeholder", "aria-label", "title", "alt"].forEach(function (name) {
      if (node.hasAttribute(name)) node.setAttribute(name, toTraditional(node.getAttribute(name)));
    });
    for (var child = node.firstChild; child; child = child.nextSibling) convertTree(child);
  }

  function convertPage() {
    convertTree(document.body);
    document.title = toTraditional(document.title);
    root.setAttribute("lang", "zh-Hant");
    // Search results and status messages are added later: convert them as they arrive.
    var busy = false;
    new MutationObserver(function (records) {
      if (busy) return;
      busy = true;
      records.forEach(function (r) {
        if (r.type === "characterData") convertTree(r.target);
        else r.addedNodes.forEach(convertTree);
      });
      busy = false;
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  }

  function press(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function button(aid, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.setAttribute("data-aid", aid);
    b.textContent = label;
    return b;
  }

  /* The buttons are made here, not in the page: a page without script could not use them, and the
     frame of every record page stays small. */
  function wire() {
    var header = document.querySelector("body > header");
    if (!header) return;
    var group = document.createElement("div");
    group.id = "aids";
    group.className = "aids";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "阅读辅助");
    var hantButton = button("hant", "繁體");
    hantButton.setAttribute("lang", "zh-Hant");
    hantButton.setAttribute("data-no-convert", "");
    group.appendChild(hantButton);
    group.appendChild(button("large", "大字"));
    group.appendChild(button("contrast", "高对比"));
    header.appendChild(group);
    var hant = group.querySelector("[data-aid=hant]");
    var large = group.querySelector("[data-aid=large]");
    var contrast = group.querySelector("[data-aid=contrast]");
    press(hant, state.hant);
    press(large, state.large);
    press(contrast, state.contrast);
    hant.addEventListener("click", function () {
      state.hant = !state.hant;
      save(state);
      // Back to 简体: the page as published; to 繁體: convert in place.
      if (!state.hant) return window.location.reload();
      press(hant, true);
      loadOpenCC().then(convertPage);
    });
    [[large, "large", "aid-large"], [contrast, "contrast", "aid-contrast"]].forEach(function (t) {
      t[0].addEventListener("click", function () {
        state[t[1]] = !state[t[1]];
        save(state);
        root.classList.toggle(t[2], state[t[1]]);
        press(t[0], state[t[1]]);
      });
    });
    if (state.hant) loadOpenCC().then(convertPage);
  }

  window.gongshiAids = {
    /* What the reader typed, in the script of the search index (Simplified). */
    simplify: function (text) {
      return state.hant ? loadOpenCC().then(function () { return toSimplified(text); }) : Promise.resolve(text);
    },
    hant: function () { return state.hant; },
  };

  /* The footer: the page's own address (printed pages carry it) and, on pages kept from day to
     day (record pages, notices, organisation pages, archives), the data date from build-info.json
     into every [data-as-of] (their bytes never carry the build's date). build-info.json sits at the
     site root, where the brand link points. */
  function footer() {
    var here = document.querySelector("[data-page-url]");
    if (here) here.textContent = window.location.href;
    var slots = document.querySelectorAll("[data-as-of]");
    var brand = document.querySelector(".brand");
    if (!slots.length || !brand || !window.fetch) return;
    fetch(new URL("build-info.json", brand.href).href, { cache: "no-cache" })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (info) {
        if (!info || typeof info.as_of !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(info.as_of)) return;
        slots.forEach(function (slot) {
          slot.textContent = info.as_of;
          slot.setAttribute("data-as-of-loaded", "");
        });
      })
      .catch(function () { /* offline or file:// — the fallback text stays */ });
  }

  function start() {
    wire();
    footer();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
