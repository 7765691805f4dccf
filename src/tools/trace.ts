// === PYMTRACE reader: real CPython allocation traces as typed arrays ===
//
// Layer: a tool beside the allocator (not part of layers 0-2). It reads the
// PYMTRACE v1 format (../shared/anchors/trace/FORMAT.md: a 16-byte header
// "PYMTRACE" | u32 version | u32 count, then 16-byte little-endian records
// op u8 | pad[3] | id u32 | size u32 | reserved u32), validates it the way the
// native `replay` does, and hands out a struct of typed arrays - never a JS
// object per record.
//
// Public API (kept stable; bench/ depends on it):
//
//   readTrace(path, opts?)        Node only: reads a file, gunzips if it starts with 1f 8b.
//   parseTrace(bytes, opts?)      bytes (raw or gzip) -> Trace. Throws TraceError.
//   packTrace(trace)              Uint32Array of 2 words per record, the 8-byte record of
//                                 assembly/replay.ts: word0 = id | ((op-1) << 30), word1 = size.
//   encodeTrace(trace, opts?)     Trace -> PYMTRACE bytes (optionally gzipped); for excerpts.
//   sliceTrace(trace, n)          the first n records as a Trace (a prefix is always valid).
//   replayTrace(allocator, trace, { onStep?, touch? })
//                                 runs the trace through an Allocator from JS exactly as the
//                                 native replayer does (malloc/calloc/realloc write one byte
//                                 unless size 0; free(ptrs[id]) then ptrs[id] = 0), calling
//                                 onStep(i, ptr) after every record; returns { ptrs, nulls }.
//
//   interface Trace {
//     count: number;            records
//     ops: Uint8Array;          1 malloc, 2 calloc, 3 realloc, 4 free (OP_* constants)
//     ids: Uint32Array;         dense block ids (malloc/calloc introduce id == nids so far)
//     sizes: Uint32Array;       request size (free: the block's current size, informational)
//     nids: number;             number of ids (= malloc + calloc records)
//     nmalloc, ncalloc, nrealloc, nfree: number;
//     size0, gt512: number;     requests (malloc/calloc/realloc) of size 0 / above 512
//     peakLiveBytes, peakLiveBlocks, finalLiveBytes, finalLiveBlocks: number;
//   }
//
// Validation (clear TraceError messages naming the record index): magic, version 1,
// header count vs file length (count 0 = "read to end"), op in 1..4, malloc/calloc ids
// handed out in order, realloc/free only of live ids, size 0xFFFFFFFF rejected.

import type { Allocator } from "../alloc/types";

export const OP_MALLOC = 1;
export const OP_CALLOC = 2;
export const OP_REALLOC = 3;
export const OP_FREE = 4;

const MAGIC = "PYMTRACE";
const HEADER_SIZE = 16;
const RECORD_SIZE = 16;

export class TraceError extends Error {
  override name = "TraceError";
}

export interface Trace {
  count: number;
  ops: Uint8Array;
  ids: Uint32Array;
  sizes: Uint32Array;
  nids: number;
  nmalloc: number;
  ncalloc: number;
  nrealloc: number;
  nfree: number;
  size0: number;
  gt512: number;
  peakLiveBytes: number;
  peakLiveBlocks: number;
  finalLiveBytes: number;
  finalLiveBlocks: number;
}

export interface ParseOptions {
  /** read at most this many records (a prefix of a valid trace is valid) */
  limit?: number;
  /** name used in error messages (default "trace") */
  name?: string;
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Node only: read a PYMTRACE file (.gz or raw). */
export async function readTrace(path: string, opts: ParseOptions = {}): Promise<Trace> {
  const fs = await import("node:fs/promises");
  const bytes = new Uint8Array(await fs.readFile(path));
  return parseTraceAsync(bytes, { name: path, ...opts });
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const zlib = await import("node:zlib");
  return new Uint8Array(zlib.gunzipSync(bytes));
}

/** Like parseTrace, but also accepts gzip data (needs node:zlib). */
export async function parseTraceAsync(bytes: Uint8Array, opts: ParseOptions = {}): Promise<Trace> {
  return parseTrace(isGzip(bytes) ? await gunzip(bytes) : bytes, opts);
}

/** Parse and validate decompressed PYMTRACE bytes. */
export function parseTrace(bytes: Uint8Array, opts: ParseOptions = {}): Trace {
  const name = opts.name ?? "trace";
  if (isGzip(bytes)) throw new TraceError(`${name}: gzip data: use parseTraceAsync or readTrace`);
  if (bytes.length < HEADER_SIZE) throw new TraceError(`${name}: ${bytes.length} bytes, shorter than the 16-byte header`);
  let magic = "";
  for (let i = 0; i < 8; i++) magic += String.fromCharCode(bytes[i]);
  if (magic !== MAGIC) throw new TraceError(`${name}: bad magic ${JSON.stringify(magic)}, expected "PYMTRACE"`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== 1) throw new TraceError(`${name}: unsupported version ${version}, expected 1`);
  const body = bytes.length - HEADER_SIZE;
  if (body % RECORD_SIZE !== 0) {
    throw new TraceError(`${name}: ${body} bytes after the header is not a multiple of the 16-byte record`);
  }
  const inFile = body / RECORD_SIZE;
  const headerCount = dv.getUint32(12, true);
  if (headerCount !== 0 && headerCount !== inFile) {
    throw new TraceError(`${name}: header says ${headerCount} records but the file holds ${inFile}`);
  }
  const count = Math.min(inFile, opts.limit ?? inFile);

  const ops = new Uint8Array(count);
  const ids = new Uint32Array(count);
  const sizes = new Uint32Array(count);
  // per-id live size; -1 = freed. Grown on demand (ids are dense).
  let live = new Float64Array(1024);
  let nids = 0;
  let nmalloc = 0, ncalloc = 0, nrealloc = 0, nfree = 0, size0 = 0, gt512 = 0;
  let liveBytes = 0, liveBlocks = 0, peakLiveBytes = 0, peakLiveBlocks = 0;

  for (let i = 0, off = HEADER_SIZE; i < count; i++, off += RECORD_SIZE) {
    const op = bytes[off];
    const id = dv.getUint32(off + 4, true);
    const size = dv.getUint32(off + 8, true);
    if (size === 0xffffffff) throw new TraceError(`${name}: record ${i}: size did not fit in 32 bits`);
    switch (op) {
      case OP_MALLOC:
      case OP_CALLOC:
        if (id !== nids) {
          throw new TraceError(`${name}: record ${i}: ${op === OP_MALLOC ? "malloc" : "calloc"} introduces id ${id}, expected the next id ${nids} (ids out of order)`);
        }
        if (nids === live.length) {
          const bigger = new Float64Array(live.length * 2);
          bigger.set(live);
          live = bigger;
        }
        live[nids++] = size;
        if (op === OP_MALLOC) nmalloc++;
        else ncalloc++;
        liveBytes += size;
        liveBlocks++;
        break;
      case OP_REALLOC:
        if (id >= nids || live[id] < 0) {
          throw new TraceError(`${name}: record ${i}: realloc of id ${id} which is not live`);
        }
        liveBytes += size - live[id];
        live[id] = size;
        nrealloc++;
        break;
      case OP_FREE:
        if (id >= nids || live[id] < 0) {
          throw new TraceError(`${name}: record ${i}: free of id ${id} which is not live`);
        }
        liveBytes -= live[id];
        live[id] = -1;
        liveBlocks--;
        nfree++;
        break;
      default:
        throw new TraceError(`${name}: record ${i}: bad op ${op} (expected 1 malloc, 2 calloc, 3 realloc, 4 free)`);
    }
    if (op !== OP_FREE) {
      if (size === 0) size0++;
      else if (size > 512) gt512++;
    }
    if (liveBytes > peakLiveBytes) peakLiveBytes = liveBytes;
    if (liveBlocks > peakLiveBlocks) peakLiveBlocks = liveBlocks;
    ops[i] = op;
    ids[i] = id;
    sizes[i] = size;
  }
  return {
    count, ops, ids, sizes, nids, nmalloc, ncalloc, nrealloc, nfree, size0, gt512,
    peakLiveBytes, peakLiveBlocks, finalLiveBytes: liveBytes, finalLiveBlocks: liveBlocks,
  };
}

/** The 8-byte records replay_run (assembly/replay.ts) reads: word0 = id | ((op-1) << 30), word1 = size. */
export function packTrace(trace: Trace): Uint32Array {
  const out = new Uint32Array(trace.count * 2);
  const { ops, ids, sizes } = trace;
  for (let i = 0; i < trace.count; i++) {
    if (ids[i] >= 1 << 30) throw new TraceError(`record ${i}: id ${ids[i]} does not fit in 30 bits`);
    out[2 * i] = (ids[i] | ((ops[i] - 1) << 30)) >>> 0;
    out[2 * i + 1] = sizes[i];
  }
  return out;
}

/** The first n records (a prefix of a valid trace is a valid trace). */
export function sliceTrace(trace: Trace, n: number): Trace {
  return parseTrace(encodeTrace(trace, { count: n }));
}

/** Encode as PYMTRACE v1 bytes (uncompressed). */
export function encodeTrace(trace: Trace, opts: { count?: number } = {}): Uint8Array {
  const count = Math.min(trace.count, opts.count ?? trace.count);
  const out = new Uint8Array(HEADER_SIZE + RECORD_SIZE * count);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, 1, true);
  dv.setUint32(12, count, true);
  for (let i = 0, off = HEADER_SIZE; i < count; i++, off += RECORD_SIZE) {
    out[off] = trace.ops[i];
    dv.setUint32(off + 4, trace.ids[i], true);
    dv.setUint32(off + 8, trace.sizes[i], true);
  }
  return out;
}

export interface ReplayOptions {
  /** called after every record with its index and the pointer now stored for its id (0 after free) */
  onStep?: (i: number, ptr: number) => void;
  /** write one byte into each fresh block as the native replayer does (default true) */
  touch?: boolean;
}

/**
 * Replay a trace through an allocator from JavaScript. Mirrors the native
 * replayer and assembly/replay.ts: malloc/calloc(1, size)/realloc then one byte
 * written unless size is 0; free(ptrs[id]) then ptrs[id] = 0.
 * Returns the id -> pointer table and the number of NULL results.
 */
export function replayTrace(a: Allocator, trace: Trace, opts: ReplayOptions = {}): { ptrs: Uint32Array; nulls: number } {
  const ptrs = new Uint32Array(trace.nids);
  const { ops, ids, sizes } = trace;
  const onStep = opts.onStep;
  const touch = opts.touch ?? true;
  let nulls = 0;
  let u8 = new Uint8Array(a.memory.buffer);
  for (let i = 0; i < trace.count; i++) {
    const id = ids[i];
    const size = sizes[i];
    let p = 0;
    switch (ops[i]) {
      case OP_MALLOC:
        p = a.malloc(size);
        break;
      case OP_CALLOC:
        p = a.calloc(1, size);
        break;
      case OP_REALLOC:
        p = a.realloc(ptrs[id], size);
        if (p === 0 && size !== 0) {
          // a failed realloc leaves the old block alive and in place
          nulls++;
          if (onStep) onStep(i, ptrs[id]);
          continue;
        }
        break;
      default:
        a.free(ptrs[id]);
        ptrs[id] = 0;
        if (onStep) onStep(i, 0);
        continue;
    }
    if (p === 0) nulls++;
    else if (touch && size !== 0) {
      if (u8.buffer !== a.memory.buffer || u8.length === 0) u8 = new Uint8Array(a.memory.buffer);
      u8[p] = i & 0xff;
    }
    ptrs[id] = p;
    if (onStep) onStep(i, p);
  }
  return { ptrs, nulls };
}
