// === Our pymalloc as replay peers: wasm from JS, wasm with the loop inside, the TS twin ===
//
// Every run gets a new allocator from createAllocator() (a new wasm instance of
// the module compiled once, or a new twin over a new ArrayBuffer), non-debug.
//
//   wasm       loops.ts:loopPymallocWasm over the raw exports (allocator.exports:
//              one JS->wasm call per record)
//   wasm-loop  allocator.replayRun (assembly/replay.ts): a window of records and
//              the id table live in blocks of the allocator itself; each call
//              replays a window of 65,536 records inside wasm (backends.ts
//              timedWindows: the copies between calls are not timed)
//   ts         loops.ts:loopTwin over the twin's Allocator methods
//
// After the run, untimed: the end state is verified (verify.ts), the allocator
// walks its own arenas and pools (check()), and getallocatedblocks() must equal
// the number of blocks the trace leaves live (+ the two buffers for wasm-loop).

import { ROOT, timed, timedWindows, WINDOW, clock, failIf, freshPtrs, type Backend } from "./backends.js";
import { loopPymallocWasm, loopTwin, privateCopy, prime } from "./loops.js";
import { verifyReplay, type Expectation } from "./verify.js";
import type { createAllocator as CreateAllocator, PymallocAllocator } from "../../src/alloc/index.js";
import type { WasmAllocator } from "../../src/alloc/wasm.js";
import { existsSync } from "node:fs";
import { join } from "node:path";

let createAllocator: typeof CreateAllocator | undefined;

async function load(backend: "wasm" | "ts"): Promise<string | null> {
  if (backend === "wasm" && !existsSync(join(ROOT, "build", "pymalloc.wasm"))) return "build/pymalloc.wasm missing: run npm run build:wasm";
  try {
    createAllocator ??= (await import("../../src/alloc/index.js")).createAllocator;
    const a = await createAllocator({ backend });
    if (a.malloc(16) === 0) return "malloc(16) returned 0";
    return null;
  } catch (e) {
    return `createAllocator({ backend: "${backend}" }) failed: ${(e as Error).message.split("\n")[0]}`;
  }
}

/** check() and the block count, after a replay (untimed). */
function selfCheck(a: PymallocAllocator, exp: Expectation, extraBlocks: number): string {
  a.check();
  const blocks = a.getallocatedblocks();
  const want = exp.liveIds.length + extraBlocks;
  if (blocks !== want) throw new Error(`getallocatedblocks() = ${blocks}, but the trace leaves ${want} blocks live`);
  return `check() ok, ${blocks} allocated blocks`;
}

export const pymallocWasm: Backend = {
  key: "wasm",
  label: "pymalloc wasm, from JS",
  harness: "js",
  memory: "linear memory at the end (never shrinks)",
  records: (t) => t,
  init: () => load("wasm"),
  async run({ recs, n, exp }) {
    const a = (await createAllocator!({ backend: "wasm" })) as WasmAllocator;
    const ex = a.exports;
    const loop = privateCopy(loopPymallocWasm);
    const optimized = prime(loop, (w, wn, wp) => loop(ex, ex.memory, w, wn, wp));
    const ptrs = freshPtrs(exp.nIds);
    const r = timed(() => loop(ex, ex.memory, recs, n, ptrs));
    failIf(r.status, "pymalloc wasm");
    const verified = `${verifyReplay(exp, ptrs, new Uint8Array(ex.memory.buffer))}; ${selfCheck(a, exp, 0)}`;
    return { ...clock(r), optimized, peakBytes: ex.memory.buffer.byteLength, verified, extra: { arenasHighwater: a.stats().arenasHighwater } };
  },
};

export const pymallocLoop: Backend = {
  key: "wasm-loop",
  label: "pymalloc wasm, loop in wasm",
  harness: "wasm",
  memory: "linear memory at the end minus the record window and the id table; they share the heap and enlarge every growth step after them, so this overstates the allocator's own need (the from-JS row has no buffers in linear memory)",
  records: (t) => t,
  init: () => load("wasm"),
  async run({ recs, n, exp }) {
    const a = (await createAllocator!({ backend: "wasm" })) as WasmAllocator;
    const recsBytes = Math.min(n, WINDOW) * 8, ptrsBytes = Math.max(exp.nIds, 1) * 4;
    const recsPtr = a.malloc(recsBytes) >>> 0, ptrsPtr = a.calloc(ptrsBytes, 1) >>> 0;
    if (!recsPtr || !ptrsPtr) throw new Error("pymalloc: no memory for the trace buffers");
    const r = timedWindows(() => a.memory.buffer, recsPtr, recs, n, (count) => a.replayRun(recsPtr, count, ptrsPtr), false);
    if (r.status !== 0) throw new Error(`pymalloc replay_run: ${r.status} allocations returned NULL`);
    const buf = a.memory.buffer;
    const verified = `${verifyReplay(exp, new Uint32Array(buf, ptrsPtr, exp.nIds), new Uint8Array(buf))}; ${selfCheck(a, exp, 2)}`;
    return {
      ...clock(r), peakBytes: buf.byteLength - recsBytes - ptrsBytes, verified,
      extra: { linearMemoryBytes: buf.byteLength, traceBufferBytes: recsBytes + ptrsBytes },
    };
  },
};

export const pymallocTwin: Backend = {
  key: "ts",
  label: "pymalloc TS twin",
  harness: "js",
  memory: "its ArrayBuffer at the end (never shrinks)",
  records: (t) => t,
  init: () => load("ts"),
  async run({ recs, n, exp }) {
    const a = await createAllocator!({ backend: "ts" });
    const loop = privateCopy(loopTwin);
    const optimized = prime(loop, (w, wn, wp) => loop(a, w, wn, wp));
    const ptrs = freshPtrs(exp.nIds);
    const r = timed(() => loop(a, recs, n, ptrs));
    failIf(r.status, "pymalloc TS twin");
    const verified = `${verifyReplay(exp, ptrs, new Uint8Array(a.memory.buffer))}; ${selfCheck(a, exp, 0)}`;
    return { ...clock(r), optimized, peakBytes: a.memory.buffer.byteLength, verified };
  },
};
