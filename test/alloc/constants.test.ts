// One source of truth: the wasm module exports every constant and layout offset
// as a global; the TypeScript twin (and the JS walker, which imports the twin's
// layout) must agree with every one of them. Plus CPython's #error relations.
import { describe, expect, it } from "vitest";
import * as C from "../../src/alloc/twin/constants";
import * as L from "../../src/alloc/twin/layout";
import * as D from "../../src/alloc/twin/debug";
import { createWasmAllocator } from "../../src/alloc/wasm";

const twin: Record<string, unknown> = { ...C, ...L, ...D };

describe("constants and layout: wasm module vs TypeScript twin", async () => {
  const a = await createWasmAllocator(false, 1 << 24, false);
  const globals = Object.entries(a.exports).filter(([, v]) => v instanceof WebAssembly.Global) as [string, WebAssembly.Global][];

  it("exports a substantial set of globals", () => {
    expect(globals.length).toBeGreaterThan(100);
  });

  it.each(globals.map(([k, g]) => [k, g.value as number]))("%s agrees", (name, value) => {
    expect(twin, `twin lacks ${name}`).toHaveProperty(name);
    expect((twin[name] as number) | 0).toBe(value);
  });

  it("every twin constant and offset exists in the wasm module (word offsets and i32 aliases aside)", () => {
    const wasmNames = new Set(globals.map(([k]) => k));
    const extra = Object.keys(twin).filter(
      (k) => typeof twin[k] === "number" && !k.endsWith("_W") && k !== "NO_ARENA_I32" && !wasmNames.has(k),
    );
    expect(extra).toEqual([]);
  });

  it("AssemblyScript's static data ends below the state struct", () => {
    expect(a.exports.heap_base()).toBeLessThanOrEqual(C.STATE_BASE);
  });
});

describe("CPython's relations (the #error checks of obmalloc.c), 32-bit column", () => {
  it("size classes", () => {
    expect(C.ALIGNMENT).toBe(1 << C.ALIGNMENT_SHIFT);
    expect(C.ALIGNMENT).toBeLessThanOrEqual(C.SMALL_REQUEST_THRESHOLD);
    expect(C.SMALL_REQUEST_THRESHOLD).toBeLessThanOrEqual(512);
    expect(C.SMALL_REQUEST_THRESHOLD % C.ALIGNMENT).toBe(0);
    expect(C.NB_SMALL_SIZE_CLASSES).toBe(64);
    expect(C.NB_SMALL_SIZE_CLASSES).toBeLessThanOrEqual(64); // "should be less than 64"
    expect(C.OBMALLOC_USED_POOLS_SIZE).toBe(128);
  });
  it("pools and arenas", () => {
    expect(C.POOL_SIZE).toBe(4096);
    expect(C.ARENA_SIZE).toBe(262144);
    expect(C.MAX_POOLS_IN_ARENA * C.POOL_SIZE).toBe(C.ARENA_SIZE); // "arena size not an exact multiple of pool size"
    expect(C.ARENA_BITS).toBeLessThan(32); // "arena size must be < 2^32"
    expect(L.SIZEOF_POOL_HEADER).toBe(32);
    expect(L.POOL_OVERHEAD).toBe(32);
    expect(L.SIZEOF_ARENA_OBJECT).toBe(28);
    // the usedpools trick needs nextpool right after two pointer-sized fields
    expect(L.POOL_NEXTPOOL).toBe(8);
    expect(L.POOL_PREVPOOL).toBe(12);
  });
  it("radix tree: one flat bottom node covers the 32-bit address space", () => {
    expect(C.MAP_BOT_LENGTH * C.ARENA_SIZE).toBe(2 ** 32);
    expect(C.ARENA_MAP_SIZE).toBe(131072);
  });
  it("memory map: state, arena map and heap do not overlap; the heap is arena-aligned", () => {
    expect(C.STATE_BASE + L.STATE_SIZE).toBeLessThanOrEqual(C.STATE_LIMIT);
    expect(C.ARENA_MAP_BASE).toBe(C.STATE_LIMIT);
    expect(C.HEAP_BASE).toBe(C.ARENA_MAP_BASE + C.ARENA_MAP_SIZE);
    expect(C.HEAP_BASE % C.ARENA_SIZE).toBe(0);
    expect(C.HEAP_BASE % C.WASM_PAGE_SIZE).toBe(0);
    expect(C.MAX_MEMORY_LIMIT).toBe(2 ** 31);
  });
  it("layer 1: the segregated lists cover every block size below 2 GiB", () => {
    const maxBlock = C.MAX_MEMORY_LIMIT - C.HEAP_BASE;
    const msb = 31 - Math.clz32(maxBlock);
    expect(msb - (C.RAW_SL_BITS + 3) + 1).toBeLessThan(C.RAW_FL_COUNT);
    expect(C.RAW_MIN_BLOCK).toBeGreaterThanOrEqual(C.RAW_HEADER + 8 + C.RAW_FOOTER);
    expect(C.ARENA_CHUNKS).toBe(C.MAX_MEMORY_LIMIT / C.ARENA_SIZE);
  });
});
