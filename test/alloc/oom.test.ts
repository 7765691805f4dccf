// Out of memory at maxMemory: malloc returns 0, the allocator stays consistent
// (check() passes) and becomes usable again after frees.
import { describe, expect, it } from "vitest";
import { BACKENDS, make, u8 } from "./helpers";
import { effectiveMaxMemory } from "../../src/alloc/index";

const MiB = 1024 * 1024;

describe.each(BACKENDS)("out of memory (%s)", (backend) => {
  it.each([[false], [true]])("small blocks until malloc returns 0 (debug %s), then frees make room", async (debug) => {
    const a = await make(backend, { maxMemory: 2 * MiB, debug });
    const ps: number[] = [];
    for (;;) {
      const p = a.malloc(48);
      if (p === 0) break;
      ps.push(p);
      if (ps.length > 100_000) throw new Error("maxMemory is not enforced");
    }
    expect(a.memory.buffer.byteLength).toBeLessThanOrEqual(2 * MiB);
    a.check();
    expect(a.getallocatedblocks()).toBe(ps.length);
    expect(a.malloc(100_000)).toBe(0); // the raw layer cannot grow either
    expect(a.calloc(1, 600)).not.toBe(-1);
    a.check();
    for (let i = 0; i < ps.length; i += 2) a.free(ps[i]);
    a.check();
    const again = Array.from({ length: 1000 }, () => a.malloc(48));
    expect(again.every((p) => p !== 0)).toBe(true);
    a.check();
  });

  it("a failed realloc returns 0 and leaves the old block intact", async () => {
    const a = await make(backend, { maxMemory: 1 * MiB });
    const p = a.malloc(300_000);
    expect(p).not.toBe(0);
    u8(a).fill(9, p, p + 300_000);
    expect(a.realloc(p, 900_000)).toBe(0);
    expect(u8(a)[p]).toBe(9);
    expect(u8(a)[p + 299_999]).toBe(9);
    a.check();
    a.free(p);
    a.check();
  });

  it("maxMemory is clamped to [HEAP_BASE, 2 GiB] and page-rounded", async () => {
    expect(effectiveMaxMemory(5 * 2 ** 30)).toBe(2 ** 31);
    expect(effectiveMaxMemory(1000)).toBe(262144);
    expect(effectiveMaxMemory(3 * MiB + 5)).toBe(3 * MiB);
    expect(effectiveMaxMemory()).toBe(2 ** 30);
    const a = await make(backend, { maxMemory: 1000 });
    expect(a.maxMemory).toBe(262144);
    expect(a.malloc(16)).toBe(0); // no room for an arena above the static area
    expect(a.malloc(16000)).toBe(0);
    a.check();
  });
});
