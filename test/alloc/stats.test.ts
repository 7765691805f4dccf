// sys._debugmallocstats() text and stats(): exact text for a known state, line
// formats compared with a real CPython 3.11.7 output (test/data, 64-bit), and
// stats() agreeing with the walk.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BACKENDS, make } from "./helpers";
import { printone } from "../../src/alloc/introspect";

const SAMPLE = readFileSync(fileURLToPath(new URL("../data/cpython-3.11.7-x86_64-debugmallocstats.txt", import.meta.url)), "utf8");
// the allocator part of CPython's output: up to the blank line before the free-list section
const cpythonAllocatorPart = SAMPLE.slice(0, SAMPLE.indexOf("\n\n", SAMPLE.indexOf("# bytes lost to arena map bot")) + 1);

const EXPECTED = `Small block threshold = 512, in 64 size classes.

class   size   num pools   blocks in use  avail blocks
-----   ----   ---------   -------------  ------------
    1     16           1               3           251
   62    504           1               1             7

# arenas allocated total           =                    1
# arenas reclaimed                 =                    0
# arenas highwater mark            =                    1
# arenas allocated current         =                    1
1 arenas * 262144 bytes/arena      =              262,144

# bytes in allocated blocks        =                  552
# bytes in available blocks        =                7,544
62 unused pools * 4096 bytes       =              253,952
# bytes lost to pool headers       =                   64
# bytes lost to quantization       =                   32
# bytes lost to arena alignment    =                    0
Total                              =              262,144

arena map counts
# bytes lost to arena map root     =              131,072
`;

describe("printone (CPython's number formatting)", () => {
  it("pads the label to column 35 and right-aligns the value with thousands separators in 21 columns", () => {
    expect(printone("Total", 4194304)).toBe("Total                              =            4,194,304\n");
    expect(printone("x", 0)).toBe("x                                  =                    0\n");
    expect(printone("# arenas reclaimed", 999)).toHaveLength(58);
    expect(printone("# big", 1234567890123)).toBe("# big                              =    1,234,567,890,123\n");
  });
});

describe("the text matches CPython 3.11.7's line formats", () => {
  const sampleLines = cpythonAllocatorPart.split("\n");
  it("the sample is what we think it is", () => {
    expect(sampleLines[0]).toBe("Small block threshold = 512, in 32 size classes.");
    expect(cpythonAllocatorPart).toContain("# bytes lost to arena map root");
  });

  it.each(BACKENDS)("%s: same header and table lines, 57-char summary lines, same labels (32-bit radix: root line only)", async (backend) => {
    const a = await make(backend);
    const ps = [];
    for (let n = 1; n <= 512; n += 3) ps.push(a.malloc(n));
    for (let i = 0; i < ps.length; i += 2) a.free(ps[i]);
    const ours = a.debugmallocstats().split("\n");
    expect(ours[0]).toMatch(/^Small block threshold = 512, in 64 size classes\.$/);
    expect(ours.slice(1, 4)).toEqual(sampleLines.slice(1, 4));
    const rowRe = /^[ \d]{5} [ \d]{6} [ \d]{11} [ \d]{15} [ \d]{13}$/;
    const sampleRows = sampleLines.filter((l) => rowRe.test(l));
    const ourRows = ours.filter((l) => rowRe.test(l));
    expect(sampleRows.length).toBeGreaterThan(10);
    expect(ourRows.length).toBeGreaterThan(10);
    const isSummary = (l: string): boolean => l.length > 36 && l[35] === "=";
    for (const l of [...sampleLines, ...ours].filter(isSummary)) expect(l).toHaveLength(57);
    const label = (l: string): string => l.slice(0, 35).trimEnd().replace(/\d+/g, "N");
    const sampleLabels = sampleLines.filter(isSummary).map(label)
      .filter((l) => !/arena map (mid|bot)/.test(l));
    sampleLabels.pop(); // the radix "Total" (64-bit only)
    expect(ours.filter(isSummary).map(label)).toEqual(sampleLabels);
    // blank-line structure: after the header, after the table, after the arenas block, before the map section
    const shape = (ls: string[]): string => ls.map((l) => (l === "" ? "_" : rowRe.test(l) ? "r" : isSummary(l) ? "s" : "t")).join("")
      .replace(/r+/g, "R").replace(/s+/g, "S");
    expect(shape(ours)).toBe("t_ttR_S_S_tS_");
    // 64-bit CPython prints the interior-node counts, a blank line, then root/mid/bot/Total
    expect(shape(sampleLines)).toBe("t_ttR_S_S_tS_S_");
  });
});

describe.each(BACKENDS)("debugmallocstats and stats (%s)", (backend) => {
  it("exact text for a known state", async () => {
    const a = await make(backend);
    a.malloc(16);
    a.malloc(16);
    a.malloc(16);
    a.malloc(500);
    a.malloc(1000);
    expect(a.debugmallocstats()).toBe(EXPECTED);
  });

  it("stats() agrees with the text and with the requests", async () => {
    const a = await make(backend);
    a.malloc(16);
    a.malloc(16);
    a.malloc(16);
    a.malloc(500);
    const raw = a.malloc(1000);
    const s = a.stats();
    expect(s).toMatchObject({
      arenasAllocated: 1, arenasFreed: 0, arenasHighwater: 1, arenasCurrent: 1,
      poolsUsed: 2, poolsFree: 62, bytesInUse: 552, bytesAvailable: 7544, rawBlocksInUse: 1,
      rawBytesInUse: 1016, // the 1000-byte request's 1012 + 12 bytes of tags, 8-rounded
    });
    expect(s.sizeClasses).toEqual([
      { szidx: 1, size: 16, pools: 1, blocksInUse: 3, blocksFree: 251 },
      { szidx: 62, size: 504, pools: 1, blocksInUse: 1, blocksFree: 7 },
    ]);
    expect(s.linearMemoryBytes).toBe(a.memory.buffer.byteLength);
    a.free(raw);
    expect(a.stats().rawBytesInUse).toBe(0);
  });

  it("Total equals arenas x ARENA_SIZE after arenas come and go", async () => {
    const a = await make(backend);
    const ps = Array.from({ length: 50000 }, (_, i) => a.malloc(1 + (i % 200)));
    for (let i = 0; i < ps.length; i++) if (i % 7 !== 0 || i > 5000) a.free(ps[i]);
    const text = a.debugmallocstats();
    const s = a.stats();
    expect(s.arenasFreed).toBeGreaterThan(0);
    const total = Number(/^Total +=\s+([\d,]+)$/m.exec(text)![1].replace(/,/g, ""));
    expect(total).toBe(s.arenasCurrent * 262144);
    expect(text).toContain(`# arenas reclaimed                 =${String(s.arenasFreed).padStart(21)}`);
  });
});
