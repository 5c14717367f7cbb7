/* The search page (theme/templates/search.html): form ↔ URL (?q=&kind=&dept=&year=&sort=), results
   rendering, counts in an aria-live region, history.pushState/popstate. No inline script: the page
   reads its settings from data- attributes on #search-app. */
(function () {
  "use strict";

  var PAGE = 20;
  var KIND_LABEL = { licence: "行政许可", penalty: "行政处罚" };
  var app = document.getElementById("search-app");
  if (!app) return;
  var siteRoot = app.getAttribute("data-site-root") || "";
  var engine = new window.GongshiSearchEngine.Engine(app.getAttribute("data-index") || "search/");
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var selects = {
    kind: document.getElementById("search-kind"),
    dept: document.getElementById("search-dept"),
    year: document.getElementById("search-year"),
    sort: document.getElementById("search-sort"),
  };
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var moreButton = document.getElementById("search-more");
  var current = null;
  var generation = 0;
  window.gongshiSearch = { engine: engine, last: null };

  function option(select, value, label) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    select.appendChild(o);
  }

  function readUrl() {
    var p = new URLSearchParams(location.search);
    return {
      q: p.get("q") || "",
      kind: p.get("kind") || "",
      dept: p.get("dept") || "",
      year: p.get("year") || "",
      sort: p.get("sort") === "relevance" ? "relevance" : "date",
    };
  }

  function readForm() {
    return {
      q: input.value.trim(),
      kind: selects.kind.value,
      dept: selects.dept.value,
      year: selects.year.value,
      sort: selects.sort.value,
    };
  }

  function fill(state) {
    input.value = state.q;
    Object.keys(selects).forEach(function (k) { selects[k].value = state[k]; });
  }

  function toQueryString(state) {
    var p = new URLSearchParams();
    ["q", "kind", "dept", "year"].forEach(function (k) { if (state[k]) p.set(k, state[k]); });
    if (state.sort !== "date") p.set("sort", state.sort);
    var s = p.toString();
    return s ? "?" + s : location.pathname;
  }

  function say(text) {
    status.textContent = text;
  }

  // A 统一社会信用代码 (not the placeholder of a 个体工商户 without one: its last character is X).
  var USCC = /^[1-9ANY][0-9A-HJ-NPQRTUWXY][0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

  function renderRows(rows, meta) {
    rows.forEach(function (row) {
      var li = document.createElement("li");
      li.className = "search-result";
      var h = document.createElement("h3");
      var a = document.createElement("a");
      a.href = siteRoot + meta.record_url.replace("{id}", encodeURIComponent(row[0]));
      // A withdrawn decision (an eighth element, its status): only its notice, never a party.
      var notice = row.length > 7;
      a.textContent = notice ? row[2] + " 撤回公告" : row[1];
      h.appendChild(a);
      if (notice) {
        li.className += " search-notice";
        var badge = document.createElement("span");
        badge.className = "badge-withdrawn";
        badge.textContent = "已" + row[7];
        h.appendChild(document.createTextNode(" "));
        h.appendChild(badge);
      }
      li.appendChild(h);
      var dl = document.createElement("dl");
      var pairs = [
        ["决定书文号", row[2]],
        ["类型", KIND_LABEL[meta.kinds[row[3]]] || meta.kinds[row[3]]],
        ["部门", meta.depts[row[4]][1]],
        ["决定日期", row[5]],
      ];
      if (notice) pairs.unshift(["状态", "已" + row[7] + "，原公示内容已撤下，请查看撤回公告"]);
      pairs.forEach(function (pair) {
        var dt = document.createElement("dt");
        dt.textContent = pair[0];
        var dd = document.createElement("dd");
        dd.textContent = pair[1];
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      li.appendChild(dl);
      var code = row[6][0];
      if (!notice && meta.org_url && code && USCC.test(code)) {
        // Public records of a legal person or 个体工商户 with a credit code have an organisation page.
        var p = document.createElement("p");
        var org = document.createElement("a");
        org.href = siteRoot + meta.org_url.replace("{uscc}", code);
        org.textContent = "该单位的全部公示信息";
        p.appendChild(org);
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  function countText(s, q) {
    if (s.status === "empty") return "请输入名称、统一社会信用代码或决定书文号。";
    if (s.status === "short") return "请至少输入两个连续的汉字，或完整的数字、字母编号。";
    if (s.total === 0) return "没有找到与“" + q + "”相符的公示记录。请检查输入，或缩短关键词、减少筛选条件。";
    var shown = s.results.length;
    var note = s.relevanceSkipped ? "结果较多，按日期从新到旧排列。" : "";
    if (s.exact) return "共找到 " + s.total + " 条记录" + (shown < s.total ? "，已显示 " + shown + " 条。" : "。") + note;
    return "约 " + s.total + " 条可能相符的记录，已核对并显示 " + shown + " 条。" + note;
  }

  async function run(state) {
    var mine = ++generation;
    list.textContent = "";
    moreButton.hidden = true;
    if (!state.q) {
      current = null;
      say(countText({ status: "empty" }));
      app.setAttribute("data-state", "done");
      return;
    }
    say("正在检索……");
    var t0 = performance.now();
    engine.resetLog();
    try {
      // In the 繁體 view the reader may type traditional characters; the index holds simplified.
      var q = window.gongshiAids ? await window.gongshiAids.simplify(state.q) : state.q;
      if (mine !== generation) return;
      var s = await engine.search(q, state);
      if (mine !== generation) return;
      if (s.status === "ok") await s.more(PAGE);
      if (mine !== generation) return;
      current = s;
      if (s.results.length) renderRows(s.results, s.meta);
      moreButton.hidden = !(s.hasMore && s.hasMore());
      say(countText(s, state.q));
      window.gongshiSearch.last = { query: state.q, ms: performance.now() - t0, fetched: engine.fetched.slice(),
        total: s.total, exact: s.exact, ids: s.results.map(function (r) { return r[0]; }) };
      app.setAttribute("data-state", "done");
    } catch (e) {
      if (mine !== generation) return;
      say("检索失败，请稍后重试或浏览归档页面。");
      app.setAttribute("data-error", String(e && e.stack ? e.stack : e));
      app.setAttribute("data-state", "error");
    }
  }

  async function more() {
    if (!current) return;
    var mine = generation;
    app.setAttribute("data-state", "busy");
    var rows = await current.more(PAGE);
    if (mine !== generation) return;
    renderRows(rows, current.meta);
    moreButton.hidden = !current.hasMore();
    say(countText(current, input.value.trim()));
    app.setAttribute("data-state", "done");
  }

  async function init() {
    var meta = await engine.meta();
    Object.keys(meta.years).sort().reverse().forEach(function (y) { option(selects.year, y, y + " 年"); });
    meta.depts.forEach(function (d) { option(selects.dept, d[0], d[1]); });
    var state = readUrl();
    fill(state);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var next = readForm();
      history.pushState(next, "", toQueryString(next));
      app.setAttribute("data-state", "busy");
      run(next);
    });
    Object.keys(selects).forEach(function (k) {
      selects[k].addEventListener("change", function () {
        if (input.value.trim()) form.requestSubmit();
      });
    });
    moreButton.addEventListener("click", more);
    window.addEventListener("popstate", function () {
      var s = readUrl();
      fill(s);
      run(s);
    });
    app.setAttribute("data-state", "busy");
    run(state);
  }

  init().catch(function () {
    say("检索索引加载失败，请稍后重试或浏览归档页面。");
    app.setAttribute("data-state", "error");
  });
})();
