/* The search tokenizer and match rule: a mirror of plugins/gongshi/tokenize.py (see its docstring).
   Both are checked against tests/search_vectors.json. Exposes window.GongshiTokenize. */
(function (global) {
  "use strict";

  var HAN =
    "\\u3007\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff" +
    "\\u{20000}-\\u{3134f}\\u{31350}-\\u{323af}";
  var RUN_RE = new RegExp("[" + HAN + "]+|[0-9a-z]+", "gu");
  var HAN_RE = new RegExp("^[" + HAN + "]", "u");

  function normalize(text) {
    return String(text).normalize("NFKC").toLowerCase();
  }

  function runs(text) {
    return normalize(text).match(RUN_RE) || [];
  }

  function isHan(run) {
    return HAN_RE.test(run);
  }

  function runTokens(run) {
    var chars = Array.from(run);
    if (!isHan(run) || chars.length < 2) return [run];
    var out = [];
    for (var i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
    return out;
  }

  function tokens(text) {
    var out = [];
    runs(text).forEach(function (run) {
      Array.prototype.push.apply(out, runTokens(run));
    });
    return out;
  }

  /* Adjacent run pairs: the last character of a Han run or a whole ASCII run, a space, then the
     first character of the next Han run or the next whole ASCII run (see tokenize.py). */
  function pairs(text) {
    var out = [];
    var prev = null;
    runs(text).forEach(function (run) {
      var chars = Array.from(run);
      var han = isHan(run);
      if (prev !== null) out.push(prev + " " + (han ? chars[0] : run));
      prev = han ? chars[chars.length - 1] : run;
    });
    return out;
  }

  function canonical(text) {
    return runs(text).join(" ");
  }

  function queryTerms(query) {
    var seen = new Set();
    runs(query).forEach(function (run) {
      if (isHan(run) && Array.from(run).length === 1) return;
      runTokens(run).forEach(function (t) {
        seen.add(t);
      });
    });
    return Array.from(seen);
  }

  function matches(query, fields) {
    var qRuns = runs(query);
    if (!qRuns.length) return false;
    var needle = qRuns.join(" ");
    var firstAscii = !isHan(qRuns[0]);
    var lastAscii = !isHan(qRuns[qRuns.length - 1]);
    for (var i = 0; i < fields.length; i++) {
      var hay = " " + canonical(fields[i]) + " ";
      var start = hay.indexOf(needle);
      while (start !== -1) {
        var end = start + needle.length;
        if ((!firstAscii || hay[start - 1] === " ") && (!lastAscii || hay[end] === " ")) return true;
        start = hay.indexOf(needle, start + 1);
      }
    }
    return false;
  }

  global.GongshiTokenize = {
    normalize: normalize,
    runs: runs,
    isHan: isHan,
    tokens: tokens,
    pairs: pairs,
    canonical: canonical,
    queryTerms: queryTerms,
    matches: matches,
  };
})(typeof window !== "undefined" ? window : globalThis);
