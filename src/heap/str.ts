// === str (PEP 393) and interning (layer 3) ===
//
// Ports, from CPython 3.11 Objects/unicodeobject.c: PyUnicode_New's compact
// layouts (ASCII: PyASCIIObject + data; otherwise PyCompactUnicodeObject + data of
// kind 1, 2 or 4 bytes per code point, NUL-terminated), unicode_subtype_new (an
// instance of a str subclass is a non-compact PyUnicodeObject whose characters are a
// separate block, data.any; utf8 shares it for ASCII, wstr for the 4-byte kind as
// wasm32's wchar_t is 4 bytes), PyUnicode_DATA for both layouts, unicode_hash
// (cached in the object), unicode_compare_eq, unicode_compare, unicode_repr,
// unicode___sizeof__, PyUnicode_InternInPlace / unicode_dealloc's removal of
// mortal interned strings (and release of a non-compact string's block), the "" and
// one-character Latin-1 singletons, and the code-object rule that interns constants
// made only of ASCII name characters.
//
// Invariants:
//   - exact str objects are compact; str subclass instances never are (their fields
//     after the 40-byte PyUnicodeObject must not overlap the characters);
//   - interning never changes a refcount: `h.interned` maps value -> Ref without
//     owning it (3.11's mortal interned strings); unicode_dealloc removes it;
//   - singletons ("" and chr(0)..chr(255)) are created at start-up, immortal;
//   - STR_HASH is -1 until the hash is first computed.

import {
  OB_TYPE,
  STR_DATA_ANY,
  SIZEOF_ASCII_OBJECT,
  SIZEOF_UNICODE_OBJECT,
  SIZEOF_COMPACT_UNICODE_OBJECT,
  SSTATE_INTERNED_MORTAL,
  STATE_ASCII,
  STATE_COMPACT,
  STATE_INTERNED_MASK,
  STATE_KIND_MASK,
  STATE_KIND_SHIFT,
  STATE_READY,
  STR_HASH,
  STR_LENGTH,
  STR_STATE,
  STR_UTF8,
  STR_UTF8_LENGTH,
  STR_WSTR,
  STR_WSTR_LENGTH,
} from "./layout.js";
import { fnv } from "./hash.js";
import { gc_track, object_alloc, object_free } from "./object.js";
import { memoryError } from "./errors.js";
import { Py_DECREF } from "./refcount.js";
import type { HeapState, Ref } from "./state.js";
import type { TypeSlots } from "./typeslots.js";
import { slots_of, type_alloc_no_track } from "./typeobject.js";

/** Is `s` made only of ASCII letters, digits and underscores (codeobject.c all_name_chars)? */
export function all_name_chars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

/** Code points of a JS string (surrogate pairs joined, lone surrogates kept) and the max. */
function scan(s: string): { cps: number[] | null; maxchar: number; length: number } {
  let maxchar = 0;
  let pairs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > maxchar) maxchar = c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) pairs = true;
    }
  }
  if (!pairs) return { cps: null, maxchar, length: s.length };
  const cps: number[] = [];
  maxchar = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c > maxchar) maxchar = c;
    cps.push(c);
  }
  return { cps, maxchar, length: cps.length };
}

/** Data offset and kind for a maximum code point (PyUnicode_New). */
function kind_for(maxchar: number): number {
  return maxchar < 256 ? 1 : maxchar < 65536 ? 2 : 4;
}

/**
 * PyUnicode_New for `length` code points up to `maxchar`: a compact exact str (t is
 * `str`), data left to the caller. New reference.
 */
export function unicode_new_raw(h: HeapState, t: TypeSlots, length: number, maxchar: number): Ref {
  const ascii = maxchar < 128;
  const kind = kind_for(maxchar);
  const head = ascii ? SIZEOF_ASCII_OBJECT : SIZEOF_COMPACT_UNICODE_OBJECT;
  const size = head + (length + 1) * kind;
  const op = object_alloc(h, t, size);
  const i32 = h.i32;
  i32[(op + STR_LENGTH) >> 2] = length;
  i32[(op + STR_HASH) >> 2] = -1;
  i32[(op + STR_STATE) >> 2] = (kind << STATE_KIND_SHIFT) | STATE_COMPACT | (ascii ? STATE_ASCII : 0) | STATE_READY;
  i32[(op + STR_WSTR) >> 2] = 0;
  if (!ascii) {
    i32[(op + STR_UTF8_LENGTH) >> 2] = 0;
    i32[(op + STR_UTF8) >> 2] = 0;
    i32[(op + STR_WSTR_LENGTH) >> 2] = 0;
  }
  return op;
}

/**
 * unicode_subtype_new: an instance of the str subclass `t` equal to the exact str
 * `unicode` (borrowed): PyType_GenericAlloc'd PyUnicodeObject, not compact, its
 * characters (and NUL) copied into a block of their own, the hash copied. Tracked
 * if t is a GC type. New reference.
 */
export function unicode_subtype_new(h: HeapState, t: TypeSlots, unicode: Ref): Ref {
  const op = type_alloc_no_track(h, t, 0);
  let i32 = h.i32;
  const length = i32[(unicode + STR_LENGTH) >> 2];
  const ustate = i32[(unicode + STR_STATE) >> 2];
  const kind = (ustate & STATE_KIND_MASK) >> STATE_KIND_SHIFT;
  const ascii = ustate & STATE_ASCII;
  i32[(op + STR_LENGTH) >> 2] = length;
  i32[(op + STR_HASH) >> 2] = i32[(unicode + STR_HASH) >> 2];
  // interned 0, compact 0; wstr, utf8 and data.any are still NULL (zeroed)
  i32[(op + STR_STATE) >> 2] = (kind << STATE_KIND_SHIFT) | ascii | STATE_READY;
  const nbytes = (length + 1) * kind;
  const data = h.alloc.malloc(nbytes);
  if (data === 0) {
    Py_DECREF(h, op); // unicode_dealloc skips the missing block
    throw memoryError();
  }
  const src = unicode_data(h, unicode);
  h.u8.copyWithin(data, src, src + nbytes);
  i32 = h.i32;
  i32[(op + STR_DATA_ANY) >> 2] = data;
  if (ascii !== 0) {
    // share_utf8
    i32[(op + STR_UTF8_LENGTH) >> 2] = length;
    i32[(op + STR_UTF8) >> 2] = data;
  }
  if (kind === 4) {
    // share_wstr: sizeof(wchar_t) == 4 on wasm32
    i32[(op + STR_WSTR) >> 2] = data;
    i32[(op + STR_WSTR_LENGTH) >> 2] = length;
  }
  if (t.isGC) gc_track(h, op);
  return op;
}

export function unicode_kind(h: HeapState, op: Ref): number {
  return (h.i32[(op + STR_STATE) >> 2] & STATE_KIND_MASK) >> STATE_KIND_SHIFT;
}

/** PyUnicode_DATA from a read of the state word: after the struct if compact, else data.any. */
function data_of(i32: Int32Array, op: Ref, state: number): number {
  if ((state & STATE_COMPACT) === 0) return i32[(op + STR_DATA_ANY) >> 2];
  return op + ((state & STATE_ASCII) !== 0 ? SIZEOF_ASCII_OBJECT : SIZEOF_COMPACT_UNICODE_OBJECT);
}

/** PyUnicode_DATA: address of the code points. */
export function unicode_data(h: HeapState, op: Ref): number {
  const i32 = h.i32;
  return data_of(i32, op, i32[(op + STR_STATE) >> 2]);
}

export function unicode_length(h: HeapState, op: Ref): number {
  return h.i32[(op + STR_LENGTH) >> 2];
}

/** A new str object of type `t` holding `s` (never a cached one). */
export function unicode_from_js(h: HeapState, t: TypeSlots, s: string): Ref {
  if (t.heaptype) {
    // a str subclass: non-compact, a copy of the exact str
    const tmp = unicode_from_js(h, h.T.str, s);
    try {
      return unicode_subtype_new(h, t, tmp);
    } finally {
      Py_DECREF(h, tmp);
    }
  }
  const { cps, maxchar, length } = scan(s);
  const op = unicode_new_raw(h, t, length, maxchar);
  const kind = kind_for(maxchar);
  const data = unicode_data(h, op);
  if (kind === 1) {
    const u8 = h.u8;
    for (let i = 0; i < length; i++) u8[data + i] = s.charCodeAt(i);
    u8[data + length] = 0;
  } else if (kind === 2) {
    const u16 = h.u16;
    const base = data >> 1;
    for (let i = 0; i < length; i++) u16[base + i] = s.charCodeAt(i);
    u16[base + length] = 0;
  } else {
    const u32 = h.u32;
    const base = data >> 2;
    const points = cps!;
    for (let i = 0; i < length; i++) u32[base + i] = points[i];
    u32[base + length] = 0;
  }
  return op;
}

/**
 * A str as a source literal gives it (heap.str): "" and one-character Latin-1
 * strings are the singletons, ASCII name-character strings are interned, anything
 * else is a new object. New reference.
 */
export function str_literal(h: HeapState, s: string): Ref {
  const n = s.length;
  if (n === 0) {
    h.i32[h.emptyStr >> 2]++;
    return h.emptyStr;
  }
  if (n === 1) {
    const c = s.charCodeAt(0);
    if (c < 256) {
      const r = h.latin1[c];
      h.i32[r >> 2]++;
      return r;
    }
  }
  if (all_name_chars(s)) return intern_js(h, s);
  return unicode_from_js(h, h.T.str, s);
}

/**
 * The canonical str object for a name if one exists (borrowed), else 0: the
 * interned string, or the ""/one-Latin-1-character singleton. Attribute names
 * stored in class dicts and instances are always canonical, so a name without
 * one cannot be stored anywhere.
 */
export function name_key(h: HeapState, name: string): Ref {
  if (name.length <= 1) {
    if (name.length === 0) return h.emptyStr;
    const c = name.charCodeAt(0);
    if (c < 256) return h.latin1[c];
  }
  return h.interned.get(name) ?? 0;
}

/** A one-code-point str (the Latin-1 singletons below 256): new reference. */
export function str_from_codepoint(h: HeapState, c: number): Ref {
  if (c < 256) {
    const r = h.latin1[c];
    h.i32[r >> 2]++;
    return r;
  }
  return unicode_from_js(h, h.T.str, String.fromCodePoint(c));
}

/** The interned str for `s` (creating it if needed): new reference. PyUnicode_InternFromString. */
export function intern_js(h: HeapState, s: string): Ref {
  const found = h.interned.get(s);
  if (found !== undefined) {
    h.i32[found >> 2]++;
    return found;
  }
  // "" and the one-character Latin-1 strings are singletons (registered in
  // `interned` at start-up); any other one-character string is interned like
  // a longer one, so attribute names such as "€" find their key again
  if (s.length === 0 || (s.length === 1 && s.charCodeAt(0) < 256)) return str_literal(h, s);
  const op = unicode_from_js(h, h.T.str, s);
  h.i32[(op + STR_STATE) >> 2] |= SSTATE_INTERNED_MORTAL;
  h.interned.set(s, op);
  h.internedNames.set(op, s);
  return op;
}

/**
 * PyUnicode_InternInPlace for an exact str: returns the canonical object. Steals
 * the reference to `op` and returns a new reference (sys.intern semantics).
 */
export function unicode_intern(h: HeapState, op: Ref): Ref {
  const state = h.i32[(op + STR_STATE) >> 2];
  if ((state & STATE_INTERNED_MASK) !== 0) return op;
  if (op === h.emptyStr) return op;
  const s = unicode_to_js(h, op);
  if (s.length === 1 && s.charCodeAt(0) < 256 && h.latin1[s.charCodeAt(0)] === op) return op;
  const found = h.interned.get(s);
  if (found !== undefined) {
    h.i32[found >> 2]++;
    // drop the caller's reference to the duplicate
    const rc = --h.i32[op >> 2];
    if (rc === 0) unicode_dealloc(h, op);
    return found;
  }
  if (h.i32[(op + OB_TYPE) >> 2] !== h.T.str.ref) return op;
  h.i32[(op + STR_STATE) >> 2] = state | SSTATE_INTERNED_MORTAL;
  h.interned.set(s, op);
  h.internedNames.set(op, s);
  return op;
}

export function unicode_is_interned(h: HeapState, op: Ref): boolean {
  return (h.i32[(op + STR_STATE) >> 2] & STATE_INTERNED_MASK) !== 0;
}

/** The JS string of a str object. */
export function unicode_to_js(h: HeapState, op: Ref): string {
  const named = h.internedNames.get(op);
  if (named !== undefined) return named;
  const i32 = h.i32;
  const length = i32[(op + STR_LENGTH) >> 2];
  const state = i32[(op + STR_STATE) >> 2];
  const kind = (state & STATE_KIND_MASK) >> STATE_KIND_SHIFT;
  const data = data_of(i32, op, state);
  if (kind === 1) {
    const u8 = h.u8;
    if (length < 64) {
      let s = "";
      for (let i = 0; i < length; i++) s += String.fromCharCode(u8[data + i]);
      return s;
    }
    let s = "";
    for (let i = 0; i < length; i += 8192) {
      s += String.fromCharCode.apply(null, u8.subarray(data + i, data + Math.min(length, i + 8192)) as unknown as number[]);
    }
    return s;
  }
  if (kind === 2) {
    const u16 = h.u16;
    let s = "";
    const base = data >> 1;
    for (let i = 0; i < length; i += 8192) {
      s += String.fromCharCode.apply(null, u16.subarray(base + i, base + Math.min(length, i + 8192)) as unknown as number[]);
    }
    return s;
  }
  const u32 = h.u32;
  let s = "";
  const base = data >> 2;
  for (let i = 0; i < length; i++) s += String.fromCodePoint(u32[base + i]);
  return s;
}

/** The code point at index i. */
export function unicode_read(h: HeapState, op: Ref, i: number): number {
  const i32 = h.i32;
  const state = i32[(op + STR_STATE) >> 2];
  const kind = (state & STATE_KIND_MASK) >> STATE_KIND_SHIFT;
  const data = data_of(i32, op, state);
  if (kind === 1) return h.u8[data + i];
  if (kind === 2) return h.u16[(data >> 1) + i];
  return h.u32[(data >> 2) + i];
}

/** unicode_hash: FNV over the kind-sized code units, cached in the object. */
export function unicode_hash(h: HeapState, op: Ref): number {
  const i32 = h.i32;
  const cached = i32[(op + STR_HASH) >> 2];
  if (cached !== -1) return cached;
  const length = i32[(op + STR_LENGTH) >> 2];
  const state = i32[(op + STR_STATE) >> 2];
  const kind = (state & STATE_KIND_MASK) >> STATE_KIND_SHIFT;
  const data = data_of(i32, op, state);
  const x = fnv(h.u8, data, length * kind);
  i32[(op + STR_HASH) >> 2] = x;
  return x;
}

/** unicode_compare_eq: same length, kind and code units. */
export function unicode_eq(h: HeapState, a: Ref, b: Ref): boolean {
  if (a === b) return true;
  const i32 = h.i32;
  const length = i32[(a + STR_LENGTH) >> 2];
  if (length !== i32[(b + STR_LENGTH) >> 2]) return false;
  const sa = i32[(a + STR_STATE) >> 2];
  const sb = i32[(b + STR_STATE) >> 2];
  if ((sa & STATE_KIND_MASK) !== (sb & STATE_KIND_MASK)) return false;
  const ha = i32[(a + STR_HASH) >> 2];
  const hb = i32[(b + STR_HASH) >> 2];
  if (ha !== -1 && hb !== -1 && ha !== hb) return false;
  const kind = (sa & STATE_KIND_MASK) >> STATE_KIND_SHIFT;
  const da = data_of(i32, a, sa);
  const db = data_of(i32, b, sb);
  const u8 = h.u8;
  const n = length * kind;
  for (let i = 0; i < n; i++) if (u8[da + i] !== u8[db + i]) return false;
  return true;
}

/** unicode_compare: -1, 0, 1 by code points. */
export function unicode_compare(h: HeapState, a: Ref, b: Ref): number {
  if (a === b) return 0;
  const la = unicode_length(h, a);
  const lb = unicode_length(h, b);
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const ca = unicode_read(h, a, i);
    const cb = unicode_read(h, b, i);
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** unicode_repr of a JS string value. */
export function str_repr_value(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + hex(c, 2);
    else if (c < 0x7f) out += ch;
    else if (c !== 0x20 && NOT_PRINTABLE.test(ch)) {
      out += c < 0x100 ? "\\x" + hex(c, 2) : c < 0x10000 ? "\\u" + hex(c, 4) : "\\U" + hex(c, 8);
    } else out += ch;
  }
  return out + quote;
}

/** unicode___sizeof__: the struct and the characters (a non-compact string's block included). */
export function unicode_sizeof(h: HeapState, op: Ref): number {
  const i32 = h.i32;
  const state = i32[(op + STR_STATE) >> 2];
  const kind = (state & STATE_KIND_MASK) >> STATE_KIND_SHIFT;
  const chars = (i32[(op + STR_LENGTH) >> 2] + 1) * kind;
  if ((state & STATE_COMPACT) === 0) {
    // utf8 and wstr share the data block when set: nothing more to count
    return SIZEOF_UNICODE_OBJECT + (i32[(op + STR_DATA_ANY) >> 2] !== 0 ? chars : 0);
  }
  return ((state & STATE_ASCII) !== 0 ? SIZEOF_ASCII_OBJECT : SIZEOF_COMPACT_UNICODE_OBJECT) + chars;
}

/** unicode_dealloc: forget a mortal interned string, free a non-compact string's block, then free. */
export function unicode_dealloc(h: HeapState, op: Ref): void {
  const state = h.i32[(op + STR_STATE) >> 2];
  if ((state & STATE_INTERNED_MASK) !== 0) {
    const s = h.internedNames.get(op);
    if (s !== undefined) {
      h.internedNames.delete(op);
      h.interned.delete(s);
    }
  }
  if ((state & STATE_COMPACT) === 0) {
    const data = h.i32[(op + STR_DATA_ANY) >> 2];
    if (data !== 0) h.alloc.free(data);
  }
  object_free(h, op, slots_of(h, op));
}
