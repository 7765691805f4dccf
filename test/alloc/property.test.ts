// Property tests: random malloc/calloc/realloc/free sequences against a shadow
// model, run on both twins in lockstep (same addresses), with check() after
// every step. The model knows CPython's rules, so it predicts which blocks are
// raw, when realloc stays in place, and what stats() must say.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { make, u8 } from "./helpers";
import type { PymallocAllocator } from "../../src/alloc/index";

type Cmd =
  | { op: "malloc"; size: number }
  | { op: "calloc"; nelem: number; elsize: number }
  | { op: "realloc"; pick: number; size: number }
  | { op: "free"; pick: number };

// mostly pymalloc sizes, some 0, some raw, a few large enough to need growth
const sizeArb = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 512 }) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 513, max: 6000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 6001, max: 400_000 }) },
);
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 5, arbitrary: sizeArb.map((size) => ({ op: "malloc" as const, size })) },
  {
    weight: 1,
    arbitrary: fc.record({ nelem: fc.integer({ min: 0, max: 40 }), elsize: fc.integer({ min: 0, max: 40 }) })
      .map((r) => ({ op: "calloc" as const, ...r })),
  },
  { weight: 3, arbitrary: fc.record({ pick: fc.nat(), size: sizeArb }).map((r) => ({ op: "realloc" as const, ...r })) },
  { weight: 4, arbitrary: fc.nat().map((pick) => ({ op: "free" as const, pick })) },
);

interface Live {
  ptr: number;
  size: number;
  raw: boolean; // served by layer 1
  block: number; // the pymalloc block size (0 for raw blocks)
  fill: number; // the byte every data byte holds
}

const blockSize = (n: number): number => (((n - 1) >> 3) + 1) << 3;
const isRawRequest = (n: number): boolean => n === 0 || n > 512;

function verifyLive(a: PymallocAllocator, live: Live[], debug: boolean): void {
  const mem = u8(a);
  const spans = live.map((b) => {
    // what the block really occupies (debug mode adds 8 bytes before, 4 after)
    const start = debug ? b.ptr - 8 : b.ptr;
    const len = debug ? b.size + 12 : Math.max(b.size, 1);
    return [start, start + len] as const;
  }).sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) throw new Error(`live blocks overlap: [${spans[i - 1]}] and [${spans[i]}]`);
  }
  for (const b of live) {
    if (b.ptr % 8 !== 0) throw new Error(`block ${b.ptr} is not 8-aligned`);
    for (let k = 0; k < b.size; k++) {
      if (mem[b.ptr + k] !== b.fill) throw new Error(`block ${b.ptr} byte ${k} is ${mem[b.ptr + k]}, expected ${b.fill}`);
    }
  }
}

function verifyStats(a: PymallocAllocator, live: Live[]): void {
  const s = a.stats();
  const raw = live.filter((b) => b.raw);
  expect(s.rawBlocksInUse).toBe(raw.length);
  expect(a.getallocatedblocks()).toBe(live.length);
  const small = live.filter((b) => !b.raw);
  expect(s.bytesInUse).toBe(small.reduce((t, b) => t + b.block, 0));
  expect(s.sizeClasses.reduce((t, c) => t + c.blocksInUse, 0)).toBe(small.length);
}

function runOn(allocs: PymallocAllocator[], cmds: Cmd[], debug: boolean): void {
  const live: Live[] = [];
  let fill = 1;
  for (const cmd of cmds) {
    const results: number[] = [];
    let expectPtr: number | undefined;
    let target: Live | undefined;
    let size = 0;
    let raw = false;
    for (const a of allocs) {
      if (cmd.op === "malloc") {
        results.push(a.malloc(cmd.size));
      } else if (cmd.op === "calloc") {
        results.push(a.calloc(cmd.nelem, cmd.elsize));
      } else if (live.length === 0) {
        results.push(-1);
      } else {
        target = live[cmd.pick % live.length];
        if (cmd.op === "free") {
          a.free(target.ptr);
          results.push(0);
        } else {
          results.push(a.realloc(target.ptr, cmd.size));
        }
      }
    }
    // same addresses in every twin
    for (const r of results) expect(r).toBe(results[0]);
    const p = results[0];
    if (p === -1) continue;
    if (cmd.op === "free") {
      live.splice(live.indexOf(target!), 1);
    } else if (cmd.op === "realloc") {
      const t = target!;
      size = cmd.size;
      // CPython's rules: raw stays raw; pymalloc stays in place when it fits and shrinks by < 25%
      const eff = debug ? size + 12 : size;
      const bs = t.block;
      let block = 0;
      if (t.raw) raw = true;
      else if (eff <= bs && 4 * eff > 3 * bs) {
        expectPtr = t.ptr;
        block = bs;
      } else {
        raw = isRawRequest(eff);
        block = raw ? 0 : blockSize(eff);
      }
      if (expectPtr !== undefined) expect(p).toBe(expectPtr);
      if (p === 0) throw new Error("out of memory in a property run");
      const kept = Math.min(t.size, size);
      for (const a of allocs) {
        const mem = u8(a);
        for (let k = 0; k < kept; k++) {
          if (mem[p + k] !== t.fill) throw new Error(`realloc lost byte ${k}: ${mem[p + k]} != ${t.fill}`);
        }
      }
      live.splice(live.indexOf(t), 1);
      fill = (fill % 250) + 1;
      for (const a of allocs) u8(a).fill(fill, p, p + size);
      live.push({ ptr: p, size, raw, block, fill });
    } else {
      size = cmd.op === "malloc" ? cmd.size : cmd.nelem * cmd.elsize;
      if (p === 0) throw new Error("out of memory in a property run");
      if (cmd.op === "calloc") {
        for (const a of allocs) {
          const mem = u8(a);
          for (let k = 0; k < size; k++) if (mem[p + k] !== 0) throw new Error(`calloc byte ${k} is ${mem[p + k]}`);
        }
      }
      fill = (fill % 250) + 1;
      for (const a of allocs) u8(a).fill(fill, p, p + size);
      const eff = debug ? size + 12 : size;
      const isRaw = isRawRequest(eff);
      live.push({ ptr: p, size, raw: isRaw, block: isRaw ? 0 : blockSize(eff), fill });
    }
    for (const a of allocs) {
      a.check();
      verifyLive(a, live, debug);
      verifyStats(a, live);
    }
  }
  // free everything: back to (at most) one empty arena, no raw blocks
  for (const b of live) for (const a of allocs) a.free(b.ptr);
  for (const a of allocs) {
    a.check();
    expect(a.getallocatedblocks()).toBe(0);
    expect(a.stats().arenasCurrent).toBeLessThanOrEqual(1);
  }
}

describe("random sequences against a shadow model, both twins in lockstep", () => {
  it("non-debug", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 60 }), async (cmds) => {
        runOn([await make("wasm"), await make("ts")], cmds, false);
      }),
      { numRuns: 120 },
    );
  });

  it("debug hooks on (guards, fills and dead blocks validated by check())", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 40 }), async (cmds) => {
        runOn([await make("wasm", { debug: true }), await make("ts", { debug: true })], cmds, true);
      }),
      { numRuns: 60 },
    );
  });

  it("many small blocks: pools fill, empty and move between classes", async () => {
    const smallCmd: fc.Arbitrary<Cmd> = fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 64 }).map((size) => ({ op: "malloc" as const, size })) },
      { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: "free" as const, pick })) },
      { weight: 1, arbitrary: fc.record({ pick: fc.nat(), size: fc.integer({ min: 1, max: 80 }) }).map((r) => ({ op: "realloc" as const, ...r })) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(smallCmd, { minLength: 50, maxLength: 400 }), async (cmds) => {
        runOn([await make("wasm"), await make("ts")], cmds, false);
      }),
      { numRuns: 15 },
    );
  });
});
