// === bytes (layer 3) ===
//
// Ports, from CPython 3.11 Objects/bytesobject.c: _PyBytes_FromSize layout
// (PyBytesObject: ob_size, ob_shash, data + NUL), bytes_subtype_new (an instance of
// a bytes subclass: PyType_GenericAlloc'd with room for the items and, after them,
// the subclass's __dict__ slot), the empty and one-byte singletons (created at
// start-up, immortal), bytes_hash (the str FNV over the bytes, cached in ob_shash),
// bytes_repr, bytes___sizeof__ (the type's basicsize plus the items).

import { BYTES_SHASH, BYTES_SVAL, OB_SIZE, OB_TYPE, TP_BASICSIZE, TP_ITEMSIZE } from "./layout.js";
import { fnv } from "./hash.js";
import { gc_track, object_alloc, object_free } from "./object.js";
import type { HeapState, Ref } from "./state.js";
import type { TypeSlots } from "./typeslots.js";
import { slots_of, type_alloc_no_track } from "./typeobject.js";

/**
 * A new bytes object of type `t` with room for n bytes (filled by the caller); for a
 * subclass, PyType_GenericAlloc's layout (untracked: the caller tracks it).
 */
export function bytes_new_raw(h: HeapState, t: TypeSlots, n: number): Ref {
  const op = t.heaptype ? type_alloc_no_track(h, t, n) : object_alloc(h, t, BYTES_SVAL + n + 1);
  const i32 = h.i32;
  i32[(op + OB_SIZE) >> 2] = n;
  i32[(op + BYTES_SHASH) >> 2] = -1;
  h.u8[op + BYTES_SVAL + n] = 0;
  return op;
}

/** PyBytes_FromStringAndSize: singletons for b"" and one byte; new reference. */
export function bytes_from(h: HeapState, data: Uint8Array): Ref {
  const n = data.length;
  if (n === 0 && h.emptyBytes !== 0) {
    h.i32[h.emptyBytes >> 2]++;
    return h.emptyBytes;
  }
  if (n === 1 && h.byteChars[data[0]] !== 0) {
    const r = h.byteChars[data[0]];
    h.i32[r >> 2]++;
    return r;
  }
  const op = bytes_new_raw(h, h.T.bytes, n);
  h.u8.set(data, op + BYTES_SVAL);
  return op;
}

/**
 * bytes_subtype_new: an instance of the bytes subclass `t` holding a copy of the
 * exact bytes `tmp` (borrowed), its cached hash included; tracked if t is a GC type.
 * New reference.
 */
export function bytes_subtype_new(h: HeapState, t: TypeSlots, tmp: Ref): Ref {
  const n = bytes_size(h, tmp);
  const op = bytes_new_raw(h, t, n);
  h.u8.copyWithin(op + BYTES_SVAL, tmp + BYTES_SVAL, tmp + BYTES_SVAL + n + 1);
  h.i32[(op + BYTES_SHASH) >> 2] = h.i32[(tmp + BYTES_SHASH) >> 2];
  if (t.isGC) gc_track(h, op);
  return op;
}

export function bytes_size(h: HeapState, op: Ref): number {
  return h.i32[(op + OB_SIZE) >> 2];
}

/** A copy of the payload. */
export function bytes_to_js(h: HeapState, op: Ref): Uint8Array {
  const n = bytes_size(h, op);
  return h.u8.slice(op + BYTES_SVAL, op + BYTES_SVAL + n);
}

export function bytes_hash(h: HeapState, op: Ref): number {
  const i32 = h.i32;
  const cached = i32[(op + BYTES_SHASH) >> 2];
  if (cached !== -1) return cached;
  const x = fnv(h.u8, op + BYTES_SVAL, i32[(op + OB_SIZE) >> 2]);
  i32[(op + BYTES_SHASH) >> 2] = x;
  return x;
}

export function bytes_eq(h: HeapState, a: Ref, b: Ref): boolean {
  if (a === b) return true;
  const n = bytes_size(h, a);
  if (n !== bytes_size(h, b)) return false;
  const u8 = h.u8;
  for (let i = 0; i < n; i++) if (u8[a + BYTES_SVAL + i] !== u8[b + BYTES_SVAL + i]) return false;
  return true;
}

export function bytes_compare(h: HeapState, a: Ref, b: Ref): number {
  const la = bytes_size(h, a);
  const lb = bytes_size(h, b);
  const u8 = h.u8;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = u8[a + BYTES_SVAL + i] - u8[b + BYTES_SVAL + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** bytes_repr */
export function bytes_repr(h: HeapState, op: Ref): string {
  const n = bytes_size(h, op);
  const u8 = h.u8;
  let squote = false;
  let dquote = false;
  for (let i = 0; i < n; i++) {
    const c = u8[op + BYTES_SVAL + i];
    if (c === 39) squote = true;
    else if (c === 34) dquote = true;
  }
  const quote = squote && !dquote ? '"' : "'";
  let out = "b" + quote;
  for (let i = 0; i < n; i++) {
    const c = u8[op + BYTES_SVAL + i];
    if (c === quote.charCodeAt(0) || c === 92) out += "\\" + String.fromCharCode(c);
    else if (c === 9) out += "\\t";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c < 32 || c >= 127) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

/** bytes___sizeof__: _PyObject_SIZE(Py_TYPE(self)) + Py_SIZE(self) * tp_itemsize. */
export function bytes_sizeof(h: HeapState, op: Ref): number {
  const i32 = h.i32;
  const type = i32[(op + OB_TYPE) >> 2];
  return i32[(type + TP_BASICSIZE) >> 2] + bytes_size(h, op) * i32[(type + TP_ITEMSIZE) >> 2];
}

export function bytes_dealloc(h: HeapState, op: Ref): void {
  object_free(h, op, slots_of(h, op));
}
