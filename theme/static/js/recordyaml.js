/* Record files for the on-site form: the same layout as plugins/gongshi/repo/yamlwrite.py
 * (schema comment line, key order from the page data, list items indented under their key) and
 * scalars that read back as the same text with gongshi's strict loader and as strings in a YAML 1.2
 * editor: plain where that is unambiguous, single-quoted otherwise, a literal block for several lines.
 */
(function () {
  "use strict";

  // YAML 1.2 core-schema scalars that an editor would not read as a string (yamlwrite's resolvers).
  var CORE = [
    /^(?:true|True|TRUE|false|False|FALSE)$/,
    /^(?:~|null|Null|NULL|)$/,
    /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/,
    /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
  ];
  var INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

  function plainOk(text) {
    if (CORE.some(function (re) { return re.test(text); })) return false;
    if (INDICATOR.test(text) || /\s$/.test(text)) return false;
    if (/: |:$| #|[\t\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(text)) return false;
    return true;
  }

  function scalar(text, indent) {
    if (text.indexOf("\n") >= 0) {
      var pad = indent + "  ";
      return "|-\n" + text.split("\n").map(function (line) { return line ? pad + line : ""; }).join("\n");
    }
    if (plainOk(text)) return text;
    return "'" + text.replace(/'/g, "''") + "'";
  }

  function ordered(obj, order) {
    var keys = order.filter(function (k) { return Object.prototype.hasOwnProperty.call(obj, k); });
    Object.keys(obj).forEach(function (k) { if (keys.indexOf(k) < 0) keys.push(k); });
    return keys;
  }

  function block(obj, order, indent, partyOrder) {
    var out = [];
    ordered(obj, order).forEach(function (key) {
      var value = obj[key];
      if (Array.isArray(value)) {
        out.push(indent + key + ":");
        value.forEach(function (item) { out.push(indent + "  - " + scalar(String(item), indent + "  ")); });
      } else if (value !== null && typeof value === "object") {
        out.push(indent + key + ":");
        out.push.apply(out, block(value, partyOrder || [], indent + "  "));
      } else if (typeof value === "boolean") {
        out.push(indent + key + ": " + (value ? "true" : "false"));
      } else {
        out.push(indent + key + ": " + scalar(String(value), indent));
      }
    });
    return out;
  }

  /* The text of a record file: ``keyOrder`` is {record: [...], party: [...]}. */
  function dump(data, keyOrder, schemaLine) {
    return [schemaLine].concat(block(data, keyOrder.record, "", keyOrder.party)).join("\n") + "\n";
  }

  function pad2(n) { return (n < 10 ? "0" : "") + n; }

  /* A record id that needs no look-up of the repository: <dept>-<xk|cf>-<year>-m<MMDD>-<HHMMSS>,
   * the moment the file was made on the phone. The letter keeps `gongshi new`'s four-digit
   * sequence untouched; two records of one department in the same second would be refused by
   * `gongshi validate` (unique.id). */
  function recordId(dept, code, year, now) {
    return dept + "-" + code + "-" + year + "-m" + pad2(now.getMonth() + 1) + pad2(now.getDate()) +
      "-" + pad2(now.getHours()) + pad2(now.getMinutes()) + pad2(now.getSeconds());
  }

  /* data/records/<dept>/<licences|penalties>/<YYYY>/<id>.yaml (yamlwrite.record_relpath). */
  function relpath(dept, folder, year, id) {
    return "data/records/" + dept + "/" + folder + "/" + year + "/" + id + ".yaml";
  }

  function encodePath(text) { return text.split("/").map(encodeURIComponent).join("/"); }

  var FORGE_KINDS = ["github", "gitea", "gitlab"];
  // policy.schema.json's forge.branch, without "..": a branch name and nothing a URL could misread.
  var BRANCH = /^[A-Za-z0-9._\/-]+$/;

  /* The forge setting of the bookmark link (`gongshi tianbao-link`, outputs/tianbao.forge_fragment):
   * "<kind>:<https repository address>@<branch>", percent-encoded or not. Returns {forge} with
   * {kind, address, branch} or {error}, a Chinese sentence. Only https addresses without user,
   * query or fragment are taken, so the link the page makes can only open a repository page. */
  function parseForge(text) {
    var value;
    try { value = decodeURIComponent(String(text)); } catch (e) { return { error: "链接中有无法识别的字符。" }; }
    value = value.trim();
    var m = /^([a-z]+):(.*)@([^@]*)$/.exec(value);
    if (!m) return { error: "格式应为“平台类型:仓库地址@分支”，例如 gitea:https://git.example.gov.cn/zhonglou/gongshi-data@main。" };
    if (FORGE_KINDS.indexOf(m[1]) < 0) return { error: "平台类型应为 github、gitea 或 gitlab，现在是“" + m[1] + "”。" };
    if (!/^https:\/\//i.test(m[2])) return { error: "仓库地址只接受 https:// 开头的地址。" };
    var url;
    try { url = new URL(m[2]); } catch (e) { return { error: "仓库地址不是有效的网址。" }; }
    if (url.protocol !== "https:" || !url.hostname) return { error: "仓库地址只接受 https:// 开头的地址。" };
    if (url.username || url.password || url.search || url.hash) return { error: "仓库地址不能含有用户名、密码、? 或 #。" };
    var segments = url.pathname.split("/").filter(function (s) { return s !== ""; });
    if (segments.length < 2) return { error: "仓库地址应包含“所有者/名称”，例如 https://git.example.gov.cn/zhonglou/gongshi-data。" };
    var branch = m[3];
    if (!BRANCH.test(branch) || branch.indexOf("..") >= 0 || /^[\/-]/.test(branch)) {
      return { error: "分支名应由字母、数字和 . _ / - 组成，例如 main。" };
    }
    return { forge: { kind: m[1], address: url.origin + "/" + segments.join("/"), branch: branch } };
  }

  /* The forge setting as parseForge reads it (what the page stores on the phone). */
  function forgeText(forge) { return forge.kind + ":" + forge.address + "@" + forge.branch; }

  /* The forge's "new file" page with ``path`` and ``content`` filled in. */
  function forgeUrl(forge, path, content) {
    var repo = forge.address;
    var branch = encodePath(forge.branch);
    var q = function (name, value) { return name + "=" + encodeURIComponent(value); };
    if (forge.kind === "github") return repo + "/new/" + branch + "?" + q("filename", path) + "&" + q("value", content);
    if (forge.kind === "gitea") return repo + "/_new/" + branch + "/?" + q("filename", path) + "&" + q("value", content);
    return repo + "/-/new/" + branch + "?" + q("file_name", path) + "&" + q("content", content);
  }

  window.GongshiRecordYaml = {
    dump: dump, recordId: recordId, relpath: relpath, forgeUrl: forgeUrl, parseForge: parseForge, forgeText: forgeText
  };
})();
