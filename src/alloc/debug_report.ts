// === Debug-mode fault reports: the DBG_* record -> a thrown Error (both twins) ===
//
// Layer: beside layer 2, read-only. The debug hooks (assembly/debug.ts and its
// twin) refuse a faulty call, record what they found in the state's DBG_* words
// and return 0. The JavaScript wrapper then calls takeFault(), which formats the
// record (and, for guard faults, the untouched block, CPython's
// _PyObject_DebugDumpAddress layout) into a PymallocDebugError; the wrapper
// clears the record and throws. One formatter, so both twins produce the same
// text for the same fault.
//
// Never writes memory.

import {
  STATE_BASE, SST, PYMEM_DEBUG_EXTRA_BYTES, PYMEM_FORBIDDENBYTE, PYMEM_DEADBYTE,
} from "./twin/constants";
import {
  DBG_KIND, DBG_FUNC, DBG_P, DBG_NBYTES, DBG_BLOCKSIZE, DBG_OFFSET, DBG_VALUE, DBG_COUNT, DBG_DETAIL,
} from "./twin/layout";
import {
  FAULT_BAD_ID, FAULT_BAD_LEADING_PAD, FAULT_BAD_TRAILING_PAD, FAULT_BAD_SIZE, FAULT_DOUBLE_FREE,
  FAULT_INVALID_POINTER, FAULT_WRITE_AFTER_FREE, INVALID_OUTSIDE_HEAP, INVALID_POOL_NOT_CARVED,
  INVALID_NOT_BLOCK_START, INVALID_NEVER_HANDED_OUT, INVALID_POOL_HEADER, INVALID_RAW_HEADER,
  INVALID_INTERNAL_BLOCK,
} from "./twin/debug";
import type { MemView } from "./introspect";

export type FaultKind =
  | "bad-id" | "underrun" | "overrun" | "bad-size" | "double-free" | "invalid-pointer" | "write-after-free";

/** A fault found by the debug hooks. The allocator is unchanged by the faulty call. */
export class PymallocDebugError extends Error {
  override name = "PymallocDebugError";
  constructor(
    message: string,
    readonly kind: FaultKind,
    /** CPython's name of the failing hook, e.g. "_PyMem_DebugRawFree" */
    readonly func: string,
    /** the pointer passed to free/realloc, or the one malloc would have returned */
    readonly address: number,
  ) {
    super(message);
  }
}

const FUNCS = ["?", "_PyMem_DebugRawMalloc", "_PyMem_DebugRawCalloc", "_PyMem_DebugRawRealloc", "_PyMem_DebugRawFree"];
const KINDS: Record<number, FaultKind> = {
  [FAULT_BAD_ID]: "bad-id",
  [FAULT_BAD_LEADING_PAD]: "underrun",
  [FAULT_BAD_TRAILING_PAD]: "overrun",
  [FAULT_BAD_SIZE]: "bad-size",
  [FAULT_DOUBLE_FREE]: "double-free",
  [FAULT_INVALID_POINTER]: "invalid-pointer",
  [FAULT_WRITE_AFTER_FREE]: "write-after-free",
};
const INVALID_REASONS: Record<number, string> = {
  [INVALID_OUTSIDE_HEAP]: "misaligned, or outside the heap",
  [INVALID_POOL_NOT_CARVED]: "inside an arena but in no carved pool",
  [INVALID_NOT_BLOCK_START]: "inside a pool but not at a block boundary",
  [INVALID_NEVER_HANDED_OUT]: "a block of its pool that was never handed out",
  [INVALID_POOL_HEADER]: "its pool header is corrupt",
  [INVALID_RAW_HEADER]: "no live block there: never allocated here, or already freed and reused",
  [INVALID_INTERNAL_BLOCK]: "it is the allocator's own arena vector",
};

const S = (off: number): number => (STATE_BASE + off) >> 2;
const hex = (n: number): string => "0x" + (n >>> 0).toString(16);
const byte = (b: number): string => "0x" + b.toString(16).padStart(2, "0");

/** Is a fault pending? (cheap: one word) */
export function faultPending(v: MemView): boolean {
  return v.i32[S(DBG_KIND)] !== 0;
}

/**
 * _PyObject_DebugDumpAddress for a block whose base q = p - 2*S lies inside a
 * block of `capacity` bytes, never reading past it.
 */
export function dumpAddress(u: Uint8Array, p: number, capacity: number): string {
  const q = p - 2 * SST;
  const id = u[q + SST];
  let out = `Debug memory block at address p=${hex(p)}: API '${String.fromCharCode(id)}'\n`;
  const nbytes = ((u[q] << 24) | (u[q + 1] << 16) | (u[q + 2] << 8) | u[q + 3]) >>> 0;
  out += `    ${nbytes} bytes originally requested\n`;
  let ok = true;
  for (let i = 1; i <= SST - 1; i++) if (u[p - i] !== PYMEM_FORBIDDENBYTE) ok = false;
  out += `    The ${SST - 1} pad bytes at p-${SST - 1} are `;
  if (ok) {
    out += "FORBIDDENBYTE, as expected.\n";
  } else {
    out += `not all FORBIDDENBYTE (${byte(PYMEM_FORBIDDENBYTE)}):\n`;
    for (let i = SST - 1; i >= 1; i--) {
      const b = u[p - i];
      out += `        at p-${i}: ${byte(b)}${b !== PYMEM_FORBIDDENBYTE ? " *** OUCH" : ""}\n`;
    }
    out += "    Because memory is corrupted at the start, the count of bytes requested\n" +
      "       may be bogus, and checking the trailing pad bytes may segfault.\n";
  }
  const tail = p + nbytes;
  if (nbytes > capacity - PYMEM_DEBUG_EXTRA_BYTES) {
    out += `    The ${SST} pad bytes at tail=${hex(tail)} are beyond the ${capacity}-byte block: not read.\n`;
    return out;
  }
  ok = true;
  for (let i = 0; i < SST; i++) if (u[tail + i] !== PYMEM_FORBIDDENBYTE) ok = false;
  out += `    The ${SST} pad bytes at tail=${hex(tail)} are `;
  if (ok) {
    out += "FORBIDDENBYTE, as expected.\n";
  } else {
    out += `not all FORBIDDENBYTE (${byte(PYMEM_FORBIDDENBYTE)}):\n`;
    for (let i = 0; i < SST; i++) {
      const b = u[tail + i];
      out += `        at tail+${i}: ${byte(b)}${b !== PYMEM_FORBIDDENBYTE ? " *** OUCH" : ""}\n`;
    }
  }
  if (nbytes > 0) {
    const hx = (a: number): string => u[a].toString(16).padStart(2, "0");
    out += "    Data at p:";
    let i = p;
    for (; i < tail && i < p + 8; i++) out += " " + hx(i);
    if (i < tail) {
      if (tail - i > 8) {
        out += " ...";
        i = tail - 8;
      }
      for (; i < tail; i++) out += " " + hx(i);
    }
    out += "\n";
  }
  return out;
}

/** Format the pending fault (the caller clears the record and throws). */
export function takeFault(v: MemView): PymallocDebugError {
  const h = v.i32;
  const kindCode = h[S(DBG_KIND)];
  const kind = KINDS[kindCode];
  if (kind === undefined) throw new Error(`pymalloc debug: unknown fault kind ${kindCode}`);
  const func = FUNCS[h[S(DBG_FUNC)]] ?? "?";
  const p = h[S(DBG_P)] >>> 0;
  const nbytes = h[S(DBG_NBYTES)] >>> 0;
  const capacity = h[S(DBG_BLOCKSIZE)] >>> 0;
  const offset = h[S(DBG_OFFSET)] >>> 0;
  const value = h[S(DBG_VALUE)] >>> 0;
  const count = h[S(DBG_COUNT)] >>> 0;
  let msg: string;
  switch (kind) {
    case "bad-id":
      msg = `${func}: bad ID: Allocated using API '${String.fromCharCode(value)}', verified using API 'o'` +
        ` (p=${hex(p)}: the byte at p-${SST} was overwritten, or p is not a live debug block)\n` + dumpAddress(v.u8, p, capacity);
      break;
    case "underrun":
      msg = `${func}: bad leading pad byte (buffer underrun below p=${hex(p)}: ${byte(value)} at p-${2 * SST - offset})\n` +
        dumpAddress(v.u8, p, capacity);
      break;
    case "overrun":
      msg = `${func}: bad trailing pad byte (buffer overrun past the ${nbytes} bytes at p=${hex(p)}: ` +
        `${byte(value)} at tail+${offset - 2 * SST - nbytes})\n` + dumpAddress(v.u8, p, capacity);
      break;
    case "bad-size":
      msg = `${func}: bad size field at p=${hex(p)}: ${nbytes} bytes originally requested cannot fit its ` +
        `${capacity}-byte block (the header was overwritten)\n` + dumpAddress(v.u8, p, capacity);
      break;
    case "double-free":
      msg = `${func}: double free: p=${hex(p)} was already freed` +
        (capacity ? ` (its ${capacity}-byte pymalloc block is on its pool's free list)` : " (its layer-1 block is free)");
      break;
    case "invalid-pointer":
      msg = `${func}: p=${hex(p)} was never returned by this allocator: ${INVALID_REASONS[h[S(DBG_DETAIL)]] ?? "?"}`;
      break;
    case "write-after-free":
      msg = `${func}: write after free: the ${capacity}-byte block at ${hex(p - 2 * SST)} (p=${hex(p)}) was modified ` +
        `after it was freed: ${count} byte${count === 1 ? "" : "s"} not DEADBYTE (${byte(PYMEM_DEADBYTE)}), ` +
        `the first at p${offset >= 2 * SST ? "+" + (offset - 2 * SST) : "-" + (2 * SST - offset)}: ${byte(value)}. ` +
        `The block was re-filled and given back to its pool; nothing was allocated.`;
      break;
  }
  return new PymallocDebugError(msg, kind, func, p);
}
