/* Query side of the static search index written by plugins/gongshi/search.py (layout and reasoning
   in its module docstring). Exposes window.GongshiSearchEngine. Needs tokenize.js; lunr.js (if
   loaded) ranks the verified results when "by relevance" is chosen. */
(function (global) {
  "use strict";

  var T = global.GongshiTokenize;
  var MAX_TERMS = 12; // query terms (and pairs) whose shards may be fetched
  var BATCH_TERMS = 4; // shards fetched together; more only while the candidates are many
  var FEW_FILES = 6; // narrow candidates until the first batch to verify needs at most this many doc files
  var MAX_BIG = 3; // frequent-term lists fetched per query at most
  var BATCH = 48; // candidates whose doc rows are fetched together while verifying
  var RELEVANCE_FILES = 24; // relevance needs every candidate's row: at most this many doc files
  var encoder = new TextEncoder();

  var CRC_TABLE = (function () {
    var table = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  /* CRC-32 of the UTF-8 bytes: Python's zlib.crc32, the term → shard hash. */
  function crc32(text) {
    var bytes = encoder.encode(text);
    var c = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  function has(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
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

  /* The order in which terms are looked up: adjacent-run pairs and whole ASCII tokens first (they
     narrow codes and document numbers most: "2024 12", a credit code), then the bigrams from the
     second on (a name's first bigram is often a place), the first one last. */
  function lookupOrder(query, terms) {
    var ascii = terms.filter(function (t) { return !T.isHan(t); });
    ascii.sort(function (a, b) { return b.length - a.length; });
    var han = terms.filter(function (t) { return T.isHan(t); });
    var order = [];
    T.pairs(query).concat(ascii, han.slice(1), han.slice(0, 1)).forEach(function (t) {
      if (order.indexOf(t) < 0) order.push(t);
    });
    return order;
  }

  function Engine(base) {
    this.base = base.replace(/\/?$/, "/");
    this.cache = new Map();
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
    return this.get("meta.json").then(function (meta) {
      if (!meta.scale) {
        meta.scale = Math.pow(2, meta.local_bits);
        meta.years = {};
        meta.groups.forEach(function (g) { meta.years[1970 + Math.floor(g[0] / 12)] = true; });
      }
      return meta;
    });
  };

  /* Postings [[g, l0, d1, d2, ...], ...] (groups newest first, local ids delta-encoded) → the
     record numbers g * 2^local_bits + local, ascending (oldest first). */
  function decode(entry, scale) {
    var out = [];
    for (var i = entry.length - 1; i >= 0; i--) {
      var e = entry[i];
      var base = e[0] * scale;
      var v = 0;
      for (var j = 1; j < e.length; j++) {
        v += e[j];
        out.push(base + v);
      }
    }
    return out;
  }

  /* Candidate record numbers (ascending) for a query. `exact` is true when the candidates are
     exactly the matches (a single-token query), so the count is known without verification.
     Term shards are fetched a few terms at a time, pairs and ASCII tokens first. */
  Engine.prototype.candidates = async function (query) {
    var meta = await this.meta();
    var runs = T.runs(query);
    if (!runs.length) return { status: "empty" };
    var terms = T.queryTerms(query);
    if (!terms.length) return { status: "short" };
    var self = this;
    var mask = meta.shards - 1;
    var order = lookupOrder(query, terms).slice(0, MAX_TERMS);
    var ids = null;
    var used = 0;
    var frequent = [];
    var within = []; // group sets of the frequent terms
    var fetchedBig = 0;
    var pos = 0;
    // Narrow until verifying the first batch of candidates needs only a few doc files: more term
    // shards first (≈ 1.5 KB each), then frequent terms' lists, rarest first.
    while (ids === null || !fewFiles(ids, meta)) {
      var next = [];
      if (pos < order.length) {
        var found = await Promise.all(order.slice(pos, pos + BATCH_TERMS).map(function (t) {
          var s = crc32(t) & mask;
          return self.get("p/" + s + ".json").then(function (shard) {
            return { term: t, shard: s, entry: has(shard, t) ? shard[t] : null };
          });
        }));
        pos += BATCH_TERMS;
        // A term no record has: nothing can match.
        if (found.some(function (x) { return x.entry === null; })) return { status: "ok", ids: [], exact: true };
        found.forEach(function (x) {
          if (typeof x.entry[0] === "number") {
            frequent.push({ term: x.term, shard: x.shard, df: x.entry[0] });
            within.push(groupSet(x.entry));
          } else next.push(decode(x.entry, meta.scale));
        });
      } else if (frequent.length && fetchedBig < MAX_BIG) {
        frequent.sort(function (a, b) { return a.df - b.df || (a.term < b.term ? -1 : 1); });
        var f = frequent.shift();
        next.push(decode((await this.get("b/" + f.shard + ".json"))[f.term], meta.scale));
        fetchedBig++;
      } else break;
      next.sort(function (a, b) { return a.length - b.length; });
      next.forEach(function (list) {
        ids = ids === null ? list : intersectSorted(ids, list);
        used++;
      });
      // A frequent term's groups are known without its list: keep candidates of those groups.
      if (ids !== null && within.length) {
        ids = ids.filter(function (n) {
          var g = Math.floor(n / meta.scale);
          return within.every(function (set) { return set.has(g); });
        });
      }
      if (ids !== null && !ids.length) break;
    }
    return { status: "ok", ids: ids, exact: terms.length === 1 && runs.length === 1 && used === 1 };
  };

  /* A frequent term's groups from its shard entry [records, g0, gap1, gap2, ...]. */
  function groupSet(entry) {
    var set = new Set();
    var g = 0;
    for (var i = 1; i < entry.length; i++) {
      g = i === 1 ? entry[1] : g - entry[i];
      set.add(g);
    }
    return set;
  }

  /* Whether verifying the newest BATCH candidates reads at most FEW_FILES doc files. */
  function fewFiles(ids, meta) {
    var seen = new Set();
    for (var i = ids.length - 1; i >= 0 && i >= ids.length - BATCH; i--) {
      seen.add(chunkPath(ids[i], meta));
      if (seen.size > FEW_FILES) return false;
    }
    return true;
  }

  function chunkPath(n, meta) {
    var g = Math.floor(n / meta.scale);
    return "d/" + g + "/" + Math.floor((n - g * meta.scale) / meta.doc_chunk) + ".json";
  }

  /* Doc rows for the given record numbers, fetched chunk by chunk; returns Map number -> row. */
  Engine.prototype.rows = async function (ids) {
    var meta = await this.meta();
    var paths = Array.from(new Set(ids.map(function (n) { return chunkPath(n, meta); })));
    var self = this;
    var data = await Promise.all(paths.map(function (p) { return self.get(p); }));
    var byPath = new Map(paths.map(function (p, i) { return [p, data[i]]; }));
    var out = new Map();
    ids.forEach(function (n) {
      var local = n % meta.scale;
      out.set(n, byPath.get(chunkPath(n, meta))[local % meta.doc_chunk]);
    });
    return out;
  };

  function fieldsOf(row) {
    return [row[1], row[2]].concat(row[6]);
  }

  /* lunr.js over the verified rows: BM25 on the same tokens, the name boosted as in the first
     index design; ties newest first. */
  function rank(query, ids, rows) {
    if (!global.lunr || ids.length < 2) return ids;
    var builder = new global.lunr.Builder();
    builder.ref("r");
    builder.field("n", { boost: 3 });
    builder.field("c");
    ids.forEach(function (n) {
      var row = rows.get(n);
      var codes = T.tokens(row[2]);
      row[6].forEach(function (c) { codes = codes.concat(T.tokens(c)); });
      builder.add({ r: String(n), n: T.tokens(row[1]), c: codes });
    });
    var terms = T.queryTerms(query);
    var hits = builder.build().query(function (q) {
      terms.forEach(function (t) { q.term(t, { usePipeline: false }); });
    });
    var score = new Map(hits.map(function (h) { return [Number(h.ref), h.score]; }));
    return ids.slice().sort(function (a, b) { return (score.get(b) || 0) - (score.get(a) || 0) || b - a; });
  }

  /* A search: filters and order applied to the candidates; `more(k)` verifies lazily and returns
     the next k results. */
  Engine.prototype.search = async function (query, opts) {
    var meta = await this.meta();
    var cand = await this.candidates(query);
    if (cand.status !== "ok") return { status: cand.status, total: 0, exact: true, results: [] };
    var scale = meta.scale;
    var ids = cand.ids;
    if (opts.year) {
      var y = Number(opts.year);
      ids = ids.filter(function (n) { return 1970 + Math.floor(Math.floor(n / scale) / 12) === y; });
    }
    if (opts.kind || opts.dept) {
      var groups = Array.from(new Set(ids.map(function (n) { return Math.floor(n / scale); })));
      var self0 = this;
      var facets = await Promise.all(groups.map(function (g) { return self0.get("f/" + g + ".json"); }));
      var byGroup = new Map(groups.map(function (g, i) { return [g, facets[i]]; }));
      var k = opts.kind ? meta.kinds.indexOf(opts.kind) : -1;
      var d = opts.dept ? meta.depts.findIndex(function (x) { return x[0] === opts.dept; }) : -1;
      var nk = meta.kinds.length;
      ids = ids.filter(function (n) {
        var g = Math.floor(n / scale);
        var f = byGroup.get(g)[n - g * scale];
        return (k < 0 || f % nk === k) && (d < 0 || Math.floor(f / nk) === d);
      });
    }
    var ordered = ids.slice().reverse(); // newest first
    var verified = cand.exact;
    var self = this;
    var state = { status: "ok", total: ids.length, exact: cand.exact, results: [], pos: 0, meta: meta };
    if (opts.sort === "relevance" && ordered.length > 1) {
      var files = new Set(ordered.map(function (n) { return chunkPath(n, meta); }));
      if (files.size <= RELEVANCE_FILES) {
        var rows = await this.rows(ordered);
        if (!verified) ordered = ordered.filter(function (n) { return T.matches(query, fieldsOf(rows.get(n))); });
        ordered = rank(query, ordered, rows);
        verified = true;
        state.total = ordered.length;
        state.exact = true;
      } else {
        state.relevanceSkipped = true;
      }
    }
    state.more = async function (want) {
      var found = [];
      while (found.length < want && state.pos < ordered.length) {
        var batch = ordered.slice(state.pos, state.pos + BATCH);
        var rows = await self.rows(batch);
        for (var i = 0; i < batch.length && found.length < want; i++) {
          state.pos++;
          var row = rows.get(batch[i]);
          if (verified || T.matches(query, fieldsOf(row))) found.push(row);
          else state.total--;
        }
      }
      if (state.pos >= ordered.length) state.exact = true;
      Array.prototype.push.apply(state.results, found);
      return found;
    };
    state.hasMore = function () { return state.pos < ordered.length; };
    return state;
  };

  global.GongshiSearchEngine = { Engine: Engine, crc32: crc32 };
})(window);
