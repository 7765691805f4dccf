// src/tools/trace.ts: parsing, validation errors, packing, replay.
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  readTrace, parseTrace, parseTraceAsync, packTrace, encodeTrace, sliceTrace, replayTrace, TraceError,
  OP_MALLOC, OP_CALLOC, OP_REALLOC, OP_FREE,
} from "../../src/tools/trace";
import { make } from "./helpers";

const EXCERPT = fileURLToPath(new URL("../data/compile_stdlib.360k.trace.gz", import.meta.url));

/** Build PYMTRACE bytes from [op, id, size] records. */
function bytes(records: [number, number, number][], opts: { magic?: string; version?: number; count?: number } = {}): Uint8Array {
  const out = new Uint8Array(16 + 16 * records.length);
  const dv = new DataView(out.buffer);
  const magic = opts.magic ?? "PYMTRACE";
  for (let i = 0; i < 8; i++) out[i] = magic.charCodeAt(i);
  dv.setUint32(8, opts.version ?? 1, true);
  dv.setUint32(12, opts.count ?? records.length, true);
  records.forEach(([op, id, size], i) => {
    out[16 + 16 * i] = op;
    dv.setUint32(16 + 16 * i + 4, id, true);
    dv.setUint32(16 + 16 * i + 8, size, true);
  });
  return out;
}

const good: [number, number, number][] = [
  [OP_MALLOC, 0, 10], [OP_CALLOC, 1, 600], [OP_REALLOC, 0, 30], [OP_MALLOC, 2, 0], [OP_FREE, 1, 600],
];

describe("PYMTRACE reader", () => {
  it("parses records into typed arrays and computes the native replayer's statistics", () => {
    const t = parseTrace(bytes(good));
    expect(t.count).toBe(5);
    expect([...t.ops]).toEqual([1, 2, 3, 1, 4]);
    expect([...t.ids]).toEqual([0, 1, 0, 2, 1]);
    expect([...t.sizes]).toEqual([10, 600, 30, 0, 600]);
    expect(t).toMatchObject({
      nids: 3, nmalloc: 2, ncalloc: 1, nrealloc: 1, nfree: 1, size0: 1, gt512: 1,
      peakLiveBytes: 630, peakLiveBlocks: 3, finalLiveBytes: 30, finalLiveBlocks: 2,
    });
  });

  it("count 0 in the header means: read to the end", () => {
    expect(parseTrace(bytes(good, { count: 0 })).count).toBe(5);
  });

  it.each([
    ["bad magic", bytes(good, { magic: "PYMTRACX" }), /bad magic "PYMTRACX"/],
    ["bad version", bytes(good, { version: 2 }), /unsupported version 2/],
    ["count mismatch", bytes(good, { count: 7 }), /header says 7 records but the file holds 5/],
    ["truncated record", bytes(good).subarray(0, 16 + 16 * 5 - 3), /not a multiple of the 16-byte record/],
    ["short header", new Uint8Array(10), /shorter than the 16-byte header/],
    ["id out of order", bytes([[OP_MALLOC, 0, 8], [OP_MALLOC, 2, 8]]), /record 1: malloc introduces id 2, expected the next id 1/],
    ["free of a dead id", bytes([[OP_MALLOC, 0, 8], [OP_FREE, 0, 8], [OP_FREE, 0, 8]]), /record 2: free of id 0 which is not live/],
    ["realloc of an unknown id", bytes([[OP_REALLOC, 5, 8]]), /record 0: realloc of id 5 which is not live/],
    ["bad op", bytes([[9, 0, 8]]), /record 0: bad op 9/],
    ["size overflow", bytes([[OP_MALLOC, 0, 0xffffffff]]), /size did not fit in 32 bits/],
  ])("rejects %s", (_name, data, message) => {
    expect(() => parseTrace(data as Uint8Array)).toThrow(TraceError);
    expect(() => parseTrace(data as Uint8Array)).toThrow(message as RegExp);
  });

  it("gzip input: parseTraceAsync and readTrace; parseTrace asks for them", async () => {
    const gz = new Uint8Array(gzipSync(bytes(good)));
    expect(() => parseTrace(gz)).toThrow(/gzip data/);
    expect((await parseTraceAsync(gz)).count).toBe(5);
    const t = await readTrace(EXCERPT, { limit: 1000 });
    expect(t.count).toBe(1000);
  });

  it("packTrace: word0 = id | ((op - 1) << 30), word1 = size", () => {
    const p = packTrace(parseTrace(bytes(good)));
    expect([...p]).toEqual([0, 10, (1 | (1 << 30)) >>> 0, 600, (0 | (2 << 30)) >>> 0, 30, 2, 0, (1 | (3 << 30)) >>> 0, 600]);
  });

  it("encodeTrace / sliceTrace round-trip", () => {
    const t = parseTrace(bytes(good));
    expect(parseTrace(encodeTrace(t))).toEqual(t);
    expect(sliceTrace(t, 3).count).toBe(3);
    expect(sliceTrace(t, 3).finalLiveBlocks).toBe(2);
  });

  it("replayTrace drives an allocator like the native replayer (one byte written, ptrs[id] = 0 on free)", async () => {
    const a = await make("ts");
    const steps: number[] = [];
    const { ptrs, nulls } = replayTrace(a, parseTrace(bytes(good)), { onStep: (_i, p) => steps.push(p) });
    expect(nulls).toBe(0);
    expect(ptrs[1]).toBe(0);
    expect(ptrs[0]).not.toBe(0);
    expect(steps[4]).toBe(0);
    expect(new Uint8Array(a.memory.buffer)[ptrs[0]]).toBe(2); // written by record 2 (the realloc)
    expect(a.getallocatedblocks()).toBe(2);
    a.check();
  });
});
