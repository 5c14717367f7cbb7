/* The identifier checks of plugins/gongshi/core/identifiers.py for the on-site form: the same
 * algorithms (GB 32100 统一社会信用代码, GB 11714 组织机构代码, ISO 7064 MOD 11,10 工商注册号, masked ID
 * numbers) and the same sentences, which come from the page data (identifiers.MESSAGES), never from
 * this file. tests/browser/test_tianbao_browser.py runs both on one table and compares the answers.
 *
 * One known difference: Python tells an unmasked 18-digit ID number apart from other text with its
 * GB/T 2260 region table; the page does not carry that table, so a number with a valid check digit
 * counts as an ID number whatever its region (both sides reject it; the sentence may differ).
 */
(function () {
  "use strict";

  function chars(text) { return Array.from(text); }

  function create(cfg) {
    var M = cfg.messages;
    var ALPHA = cfg.uscc_alphabet;
    var DIGITS = /^[0-9]+$/;
    var ORG_BODY = /^[0-9A-Z]{8}$/;

    function msg(key, fields) {
      return M[key].replace(/\{(\w+)\}/g, function (_, name) { return String(fields[name]); });
    }

    function orgCheckChar(body8) {
      var total = 0;
      for (var i = 0; i < 8; i++) total += parseInt(body8[i], 36) * cfg.org_weights[i];
      var c = 11 - (total % 11);
      return c === 10 ? "X" : c === 11 ? "0" : String(c);
    }

    function usccCheckChar(first17) {
      var total = 0;
      for (var i = 0; i < 17; i++) total += ALPHA.indexOf(first17[i]) * cfg.uscc_weights[i];
      return ALPHA[(31 - (total % 31)) % 31];
    }

    function orgCodeProblem(v) {
      var code = v.length === 10 && v[8] === "-" ? v.slice(0, 8) + v.slice(9) : v;
      var example = msg("org_example", { code: cfg.org_example });
      var n = chars(code).length;
      if (n !== 9) return msg("org_length", { n: n, example: example });
      if (code !== code.toUpperCase()) return msg("org_case", { example: example });
      if (!ORG_BODY.test(code.slice(0, 8))) return msg("org_body", { example: example });
      if ("0123456789X".indexOf(code[8]) < 0) return msg("org_check_charset", { example: example });
      var expected = orgCheckChar(code.slice(0, 8));
      if (code[8] !== expected) {
        return msg("org_check", { expected: expected, actual: code[8], example: example });
      }
      return null;
    }

    function usccProblem(v) {
      var example = msg("uscc_example", { code: cfg.uscc_example });
      if (v === cfg.uscc_placeholder) {
        return msg("uscc_placeholder", { placeholder: cfg.uscc_placeholder, example: example });
      }
      var cs = chars(v);
      if (cs.length !== 18) return msg("uscc_length", { n: cs.length, example: example });
      if (v !== v.toUpperCase()) return msg("uscc_case", { example: example });
      var bad = cs.filter(function (ch, i) { return ALPHA.indexOf(ch) < 0 && cs.indexOf(ch) === i; });
      if (bad.length) {
        bad.sort();
        return msg("uscc_charset", { bad: bad.join("、"), example: example });
      }
      if (cfg.uscc_departments.indexOf(v[0]) < 0) return msg("uscc_department", { dept: v[0], example: example });
      if (!DIGITS.test(v.slice(2, 8))) return msg("uscc_region", { region: v.slice(2, 8), example: example });
      var orgExpected = orgCheckChar(v.slice(8, 16));
      if (v[16] !== orgExpected) {
        return msg("uscc_org_check", { org: v.slice(8, 17), expected: orgExpected, actual: v[16], example: example });
      }
      var expected = usccCheckChar(v.slice(0, 17));
      if (v[17] !== expected) return msg("uscc_check", { expected: expected, actual: v[17], example: example });
      return null;
    }

    function mod1110Checksum(number) {
      var check = 5;
      for (var i = 0; i < number.length; i++) {
        check = ((((check || 10) * 2) % 11) + Number(number[i])) % 10;
      }
      return check;
    }

    function businessRegNoProblem(v) {
      var example = msg("brn_example", { code: cfg.brn_example });
      var n = chars(v).length;
      if (n !== 15) return msg("brn_length", { n: n, example: example });
      if (!DIGITS.test(v)) return msg("brn_digits", { example: example });
      if (mod1110Checksum(v) !== 1) {
        var x = ((mod1110Checksum(v.slice(0, 14)) || 10) * 2) % 11;
        var expected = String((((1 - x) % 10) + 10) % 10);
        return msg("brn_check", { expected: expected, actual: v[14], example: example });
      }
      return null;
    }

    var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    function birthDate(text) {
      var y = Number(text.slice(0, 4)), m = Number(text.slice(4, 6)), d = Number(text.slice(6, 8));
      var date = new Date(Date.UTC(y, m - 1, d));
      if (y < 1 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
      return { y: y, iso: text.slice(0, 4) + "-" + text.slice(4, 6) + "-" + text.slice(6, 8) };
    }

    function todayIso() {
      var t = new Date();
      var p = function (n) { return (n < 10 ? "0" : "") + n; };
      return t.getFullYear() + "-" + p(t.getMonth() + 1) + "-" + p(t.getDate());
    }

    // Whether ``v`` is a whole, valid resident ID number (see the difference noted at the top).
    function isResidentId(v) {
      var birth;
      if (v.length === 15) {
        if (!DIGITS.test(v)) return false;
        birth = birthDate("19" + v.slice(6, 12));
      } else if (v.length === 18) {
        if (!DIGITS.test(v.slice(0, 17)) || "0123456789X".indexOf(v[17]) < 0) return false;
        var total = 0;
        for (var i = 0; i < 17; i++) total += Number(v[i]) * ID_WEIGHTS[i];
        if ("10X98765432"[total % 11] !== v[17]) return false;
        birth = birthDate(v.slice(6, 14));
      } else {
        return false;
      }
      return birth !== null && birth.y >= 1900 && birth.iso <= todayIso();
    }

    var MASKED_ID_CARD = /^[0-9*]{17}[0-9X*]$|^[0-9*]{15}$/;
    var MASKED_OTHER = /^[0-9A-Za-z*()（）\-]+$/;

    function count(text, ch) { return text.split(ch).length - 1; }

    function maskedIdProblem(value, idType) {
      var example = cfg.masked_example;
      if (value.indexOf("*") < 0) {
        if (idType === cfg.id_card && isResidentId(value)) return msg("masked_unmasked_id_card", { example: example });
        return msg("masked_unmasked", { example: example });
      }
      var n = chars(value).length;
      if (idType === cfg.id_card) {
        if (!MASKED_ID_CARD.test(value)) return msg("masked_id_card_shape", { n: n, example: example });
        var masked = count(value, "*");
        var need = value.length === 18 ? 8 : 7;
        var birthMd = value.length === 18 ? value.slice(10, 14) : value.slice(8, 12);
        if (masked < need) return msg("masked_id_card_too_few", { need: need, masked: masked, example: example });
        if (birthMd !== "****") {
          return msg("masked_id_card_birth", { start: value.length === 18 ? 11 : 9, example: example });
        }
        return null;
      }
      if (!MASKED_OTHER.test(value)) return msg("masked_other_charset", {});
      var maskedOther = count(value, "*");
      if (maskedOther * 2 < n) return msg("masked_other_too_few", { half: Math.floor((n + 1) / 2), masked: maskedOther });
      return null;
    }

    function maskedIdAnyType(value) {
      return maskedIdProblem(value, cfg.id_card) === null || maskedIdProblem(value, "其他") === null;
    }

    return {
      usccProblem: usccProblem,
      orgCodeProblem: orgCodeProblem,
      businessRegNoProblem: businessRegNoProblem,
      maskedIdProblem: maskedIdProblem,
      maskedIdAnyType: maskedIdAnyType,
      // The JSON Schema formats of identifiers.register_formats: true when acceptable.
      formats: {
        "uscc": function (v) { return v === cfg.uscc_placeholder || usccProblem(v) === null; },
        "org-code": function (v) { return orgCodeProblem(v) === null; },
        "business-reg-no": function (v) { return businessRegNoProblem(v) === null; },
        "region-code": function (v) { return /^[0-9]{6}$/.test(v); },
        "masked-id-no": maskedIdAnyType
      }
    };
  }

  window.GongshiIdentifiers = { create: create };
})();
