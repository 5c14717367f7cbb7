/* Query side of the static search index written by plugins/gongshi/search.py (layout and reasoning
   in its module docstring). Exposes window.GongshiSearchEngine. Needs tokenize.js and lunr.js. */
(function (global) {
  "use strict";

  var T = global.GongshiTokenize;
  var MAX_PARTITIONS = 3; // rare terms looked up per query; verification keeps results exact
  var NARROW_AT = 40; // above this many candidates, also intersect the rarest common lists
  var BATCH = 48; // candidates whose doc chunks are fetched together while verifying
  var encoder = new TextEncoder();

  function fnv1a(text) {
    var h = 0x811c9dc5;
    var bytes = encoder.encode(text);
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  }

  function intersectSorted(a, b) {
    var out = [];
    var i = 0;
    var j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] === b[j]) {
        out.push(a[i]);
        i++;
        j++;
      } else if (a[i] < b[j]) i++;
      else j++;
    }
    return out;
  }

  /* Rare terms to look up: whole ASCII tokens first (codes, numbers: the most selective), then the
     first, last and middle bigrams, so the chosen terms span the query. */
  function pickTerms(terms, max) {
    var ascii = terms.filter(function (t) { return !T.isHan(t); });
    ascii.sort(function (a, b) { return b.length - a.length; });
    var han = terms.filter(function (t) { return T.isHan(t); });
    var spread = [];
    [0, han.length - 1, Math.floor(han.length / 2)].forEach(function (i) {
      if (i >= 0 && i < han.length && spread.indexOf(han[i]) < 0) spread.push(han[i]);
    });
    han.forEach(function (t) { if (spread.indexOf(t) < 0) spread.push(t); });
    return ascii.concat(spread).slice(0, max);
  }

  function Engine(base) {
    this.base = base.replace(/\/?$/, "/");
    this.cache = new Map();
    this.indexes = new Map();
    this.fetched = []; // paths fetched since the last resetLog(), for the benchmark and tests
  }

  Engine.prototype.resetLog = function () {
    this.fetched = [];
  };

  Engine.prototype.get = function (path) {
    if (!this.cache.has(path)) {
      var self = this;
      var p = fetch(this.base + path).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " " + path);
        self.fetched.push(path);
        return r.json();
      });
      p.catch(function () { self.cache.delete(path); });
      this.cache.set(path, p);
    }
    return this.cache.get(path);
  };

  Engine.prototype.meta = function () {
    return this.get("meta.json");
  };

  Engine.prototype.partition = function (p) {
    var self = this;
    if (!this.indexes.has(p)) {
      this.indexes.set(p, this.get("p/" + p + ".json").then(function (data) {
        return global.lunr.Index.load(data);
      }));
    }
    return this.indexes.get(p).catch(function (e) { self.indexes.delete(p); throw e; });
  };

  Engine.prototype.commonList = function (term, meta) {
    return this.get("c/" + meta.common[term][0] + ".json").then(function (deltas) {
      var out = new Array(deltas.length);
      var v = 0;
      for (var i = 0; i < deltas.length; i++) out[i] = v += deltas[i];
      return out;
    });
  };

  /* Candidate ids (newest first) for a query. `exact` is true when the candidates are exactly the
     matches (a whole key, or a single-token query), so the count is known without verification. */
  Engine.prototype.candidates = async function (query) {
    var meta = await this.meta();
    var runs = T.runs(query);
    if (!runs.length) return { status: "empty" };
    var terms = T.queryTerms(query);
    if (!terms.length) return { status: "short" };
    if (runs.some(function (r) { return !T.isHan(r); })) {
      var key = runs.join(" ");
      var shard = await this.get("k/" + (fnv1a(key) % meta.key_shards) + ".json");
      if (Object.prototype.hasOwnProperty.call(shard, key)) {
        return { status: "ok", ids: shard[key].slice(), scores: null, exact: true };
      }
    }
    var rare = terms.filter(function (t) { return !Object.prototype.hasOwnProperty.call(meta.common, t); });
    var common = terms.filter(function (t) { return Object.prototype.hasOwnProperty.call(meta.common, t); });
    common.sort(function (a, b) { return meta.common[a][1] - meta.common[b][1]; });
    var ids = null;
    var scores = null;
    var used = 0;
    if (rare.length) {
      var chosen = pickTerms(rare, MAX_PARTITIONS);
      used = chosen.length;
      var groups = new Map();
      chosen.forEach(function (t) {
        var p = fnv1a(t) % meta.partitions;
        if (!groups.has(p)) groups.set(p, []);
        groups.get(p).push(t);
      });
      var self = this;
      var parts = await Promise.all(Array.from(groups.entries()).map(function (g) {
        return self.partition(g[0]).then(function (idx) {
          return idx.query(function (q) {
            g[1].forEach(function (t) {
              q.term(t, { presence: global.lunr.Query.presence.REQUIRED, usePipeline: false });
            });
          });
        });
      }));
      scores = new Map();
      parts.forEach(function (hits, i) {
        var seen = new Map();
        hits.forEach(function (h) { seen.set(parseInt(h.ref, 16), h.score); });
        if (i === 0) scores = seen;
        else {
          var next = new Map();
          scores.forEach(function (s, n) { if (seen.has(n)) next.set(n, s + seen.get(n)); });
          scores = next;
        }
      });
      ids = Array.from(scores.keys()).sort(function (a, b) { return a - b; });
    }
    var narrow = ids === null ? common.slice(0, 3) : ids.length > NARROW_AT ? common.slice(0, 2) : [];
    for (var i = 0; i < narrow.length && (ids === null || ids.length); i++) {
      var list = await this.commonList(narrow[i], meta);
      ids = ids === null ? list : intersectSorted(ids, list);
      used++;
    }
    return { status: "ok", ids: ids, scores: scores, exact: terms.length === 1 && runs.length === 1 && used === 1 };
  };

  /* Doc rows for the given ids, fetched chunk by chunk; returns Map id -> row. */
  Engine.prototype.rows = async function (ids) {
    var meta = await this.meta();
    var chunks = Array.from(new Set(ids.map(function (n) { return Math.floor(n / meta.doc_chunk); })));
    var self = this;
    var data = await Promise.all(chunks.map(function (c) { return self.get("d/" + c + ".json"); }));
    var out = new Map();
    ids.forEach(function (n) {
      var c = Math.floor(n / meta.doc_chunk);
      out.set(n, data[chunks.indexOf(c)][n % meta.doc_chunk]);
    });
    return out;
  };

  function fieldsOf(row) {
    return [row[1], row[2]].concat(row[6]);
  }

  /* A search: filters and order applied to the candidates; `more(k)` verifies lazily and returns
     the next k results. */
  Engine.prototype.search = async function (query, opts) {
    var meta = await this.meta();
    var cand = await this.candidates(query);
    if (cand.status !== "ok") return { status: cand.status, total: 0, exact: true, results: [] };
    var ids = cand.ids;
    if (opts.year && meta.years[opts.year]) {
      var span = meta.years[opts.year];
      ids = ids.filter(function (n) { return n >= span[0] && n <= span[1]; });
    } else if (opts.year) ids = [];
    if (opts.kind || opts.dept) {
      var facets = await this.get("f.json");
      var k = opts.kind ? meta.kinds.indexOf(opts.kind) : -1;
      var d = opts.dept ? meta.depts.findIndex(function (x) { return x[0] === opts.dept; }) : -1;
      var nk = meta.kinds.length;
      ids = ids.filter(function (n) {
        var f = facets[n];
        return (k < 0 || f % nk === k) && (d < 0 || Math.floor(f / nk) === d);
      });
    }
    if (opts.sort === "relevance" && cand.scores) {
      var sc = cand.scores;
      ids = ids.slice().sort(function (a, b) { return (sc.get(b) || 0) - (sc.get(a) || 0) || a - b; });
    }
    var self = this;
    var state = { status: "ok", total: ids.length, exact: cand.exact, results: [], pos: 0, meta: meta };
    state.more = async function (count) {
      var found = [];
      while (found.length < count && state.pos < ids.length) {
        var batch = ids.slice(state.pos, state.pos + BATCH);
        var rows = await self.rows(batch);
        for (var i = 0; i < batch.length && found.length < count; i++) {
          state.pos++;
          var row = rows.get(batch[i]);
          if (cand.exact || T.matches(query, fieldsOf(row))) found.push(row);
          else state.total--;
        }
      }
      if (state.pos >= ids.length) state.exact = true;
      Array.prototype.push.apply(state.results, found);
      return found;
    };
    state.hasMore = function () { return state.pos < ids.length; };
    return state;
  };

  global.GongshiSearchEngine = { Engine: Engine, fnv1a: fnv1a };
})(window);
