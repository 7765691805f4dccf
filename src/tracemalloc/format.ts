// === tracemalloc: Python's number and pattern formatting (layer 3, src/tracemalloc) ===
//
// Ports, from CPython 3.11: Lib/tracemalloc.py _format_size; the "%.0f" / "%.1f"
// / "%+.1f" conversions it uses (correctly rounded, ties to even: JS toFixed
// rounds exact ties away from zero, so ties are decided here); Lib/fnmatch.py
// translate (as a JS RegExp; `*` as a plain `.*`, which matches the same
// strings as translate's atomic groups); repr() of a str for error messages.
//
// Pure functions, no state.

import { str_repr_value } from "../heap/str.js";

/**
 * Python's "%.{digits}f" for digits 0 or 1 (with "+" for `sign`): the double's
 * exact value rounded to nearest, ties to even.
 */
export function py_fixed(x: number, digits: 0 | 1, sign = false): string {
  let s: string;
  if (!Number.isFinite(x)) {
    s = Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  } else {
    const a = Math.abs(x);
    // an exact tie: a * 10^digits ends in .5 exactly, i.e. 2a (digits 0) or 4a
    // (digits 1) is an odd integer
    const scaled = digits === 0 ? a * 2 : a * 4;
    if (Number.isInteger(scaled) && scaled % 2 === 1 && scaled < 2 ** 50) {
      const lo = Math.floor(digits === 0 ? a : a * 10);
      const n = lo % 2 === 0 ? lo : lo + 1;
      s = digits === 0 ? String(n) : `${Math.floor(n / 10)}.${n % 10}`;
      if (x < 0) s = "-" + s;
    } else {
      s = x.toFixed(digits);
    }
    if (s.startsWith("-") === false && (x < 0 || Object.is(x, -0))) s = "-" + s;
  }
  if (sign && !s.startsWith("-")) s = "+" + s;
  return s;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** Lib/tracemalloc.py _format_size(size, sign) */
export function _format_size(size: number, sign: boolean): string {
  for (const unit of UNITS) {
    if (Math.abs(size) < 100 && unit !== "B") {
      // 3 digits (xx.x UNIT)
      return `${py_fixed(size, 1, sign)} ${unit}`;
    }
    if (Math.abs(size) < 10 * 1024 || unit === "TiB") {
      // 4 or 5 digits (xxxx UNIT)
      return `${py_fixed(size, 0, sign)} ${unit}`;
    }
    size /= 1024;
  }
  /* c8 ignore next */
  throw new Error("unreachable");
}

/** Python's "%+i" / "%i" of an integer */
export function py_int(n: number, sign = false): string {
  const s = String(Math.trunc(n));
  return sign && n >= 0 ? "+" + s : s;
}

/** repr() of a Python str: unicode_repr's rules, shared with the heap */
export const py_repr_str = str_repr_value;

/** repr() of a JS value standing for a Python argument, for messages */
export function py_repr(v: unknown): string {
  if (typeof v === "string") return py_repr_str(v);
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  return String(v);
}

export { js_value_type_name as py_type_name } from "../heap/errors.js";


const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

/**
 * A character set that Python's re reads literally (a leading "]", a "[") made
 * valid for a JS RegExp in unicode mode: escape raw brackets; keep the escapes
 * translate already wrote.
 */
function escape_class(stuff: string): string {
  let out = "";
  for (let i = 0; i < stuff.length; i++) {
    const c = stuff[i];
    if (c === "\\") {
      out += c + (stuff[i + 1] ?? "");
      i++;
    } else if (c === "[" || c === "]") {
      out += "\\" + c;
    } else {
      out += c;
    }
  }
  return out;
}

/** Lib/fnmatch.py translate(pat) as a JS RegExp source (full match, DOTALL). */
export function fnmatch_translate(pat: string): string {
  const STAR = null;
  const res: (string | null)[] = [];
  const chars = Array.from(pat);
  const n = chars.length;
  let i = 0;
  while (i < n) {
    const c = chars[i];
    i++;
    if (c === "*") {
      if (res.length === 0 || res[res.length - 1] !== STAR) res.push(STAR);
    } else if (c === "?") {
      res.push(".");
    } else if (c === "[") {
      let j = i;
      if (j < n && chars[j] === "!") j++;
      if (j < n && chars[j] === "]") j++;
      while (j < n && chars[j] !== "]") j++;
      if (j >= n) {
        res.push("\\[");
      } else {
        let stuff = chars.slice(i, j).join("");
        if (!stuff.includes("-")) {
          stuff = stuff.replace(/\\/g, "\\\\");
        } else {
          const chunks: string[] = [];
          let k = chars[i] === "!" ? i + 2 : i + 1;
          for (;;) {
            k = chars.indexOf("-", k);
            if (k < 0 || k >= j) break;
            chunks.push(chars.slice(i, k).join(""));
            i = k + 1;
            k = k + 3;
          }
          const chunk = chars.slice(i, j).join("");
          if (chunk !== "") chunks.push(chunk);
          else chunks[chunks.length - 1] += "-";
          // remove empty ranges (invalid in a regular expression)
          for (let m = chunks.length - 1; m > 0; m--) {
            const prev = chunks[m - 1];
            if (prev[prev.length - 1] > chunks[m][0]) {
              chunks[m - 1] = prev.slice(0, -1) + chunks[m].slice(1);
              chunks.splice(m, 1);
            }
          }
          stuff = chunks.map((s) => s.replace(/\\/g, "\\\\").replace(/-/g, "\\-")).join("-");
        }
        i = j + 1;
        if (stuff === "") {
          res.push("(?!)"); // empty range: never matches
        } else if (stuff === "!") {
          res.push("."); // negated empty range: any character
        } else {
          if (stuff[0] === "!") stuff = "^" + stuff.slice(1);
          else if (stuff[0] === "^" || stuff[0] === "[") stuff = "\\" + stuff;
          res.push(`[${escape_class(stuff)}]`);
        }
      }
    } else {
      res.push(c.replace(REGEX_SPECIAL, "\\$&"));
    }
  }
  return "^(?:" + res.map((r) => (r === STAR ? ".*" : r)).join("") + ")$";
}

/** fnmatch.fnmatch on POSIX (os.path.normcase is the identity there), compiled once per pattern. */
export function fnmatch_compile(pattern: string): RegExp {
  return new RegExp(fnmatch_translate(pattern), "su");
}
