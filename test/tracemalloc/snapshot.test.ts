// Snapshots against CPython's own Lib/tracemalloc.py: our snapshots' raw traces
// are handed to python3's tracemalloc.Snapshot, and every statistic, diff,
// filter result and text must come out the same (grouping, cumulative mode,
// sort order, _format_size with its rounding, str / repr). Then one scenario
// written in both languages: the same shapes (counts per line, order, diffs).

import { describe, expect, it } from "vitest";
import { PyError } from "../../src/heap/errors";
import type { Ref } from "../../src/heap/state";
import type { Heap } from "../../src/index";
import { DomainFilter, Filter, Snapshot, _format_size, type BaseFilter } from "../../src/tracemalloc/index";
import { BACKENDS, clearFreeLists, python3Json, withHeap } from "../helpers";
import { lineMarkers, pySnapshot, pyTracemalloc, tempFile, tracemallocOf } from "./_helpers";

const { file: FILE, lineOf } = lineMarkers(import.meta.url);

function level2(heap: Heap, n: number): Ref {
  return heap.bytes(new Uint8Array(n)); // @lvl2
}
function level1(heap: Heap, n: number): Ref {
  return level2(heap, n); // @lvl1
}

/** A traced scenario: two snapshots of a heap, nframe = 3. */
function scenario(heap: Heap): { s1: Snapshot; s2: Snapshot; release(): void } {
  const tm = tracemallocOf(heap);
  tm.start(3);
  const keep: Ref[] = [];
  for (let i = 0; i < 3; i++) keep.push(level1(heap, 1000 + i)); // @s1
  for (let i = 0; i < 5; i++) keep.push(level2(heap, 300)); // @s2
  keep.push(heap.list([heap.None, heap.None])); // @s3
  keep.push(heap.scope(() => heap.dict([[heap.str("some key"), heap.float(2.5)]]))); // @s4
  const s1 = tm.take_snapshot();
  for (let i = 0; i < 4; i++) heap.decref(keep.splice(3, 1)[0]); // frees four from @s2
  for (let i = 0; i < 2; i++) keep.push(level1(heap, 20000)); // @s5
  keep.push(heap.bytes(new Uint8Array(10 * 1024 + 256 - 17))); // @s6
  const s2 = tm.take_snapshot();
  tm.stop();
  return {
    s1,
    s2,
    release() {
      for (const o of keep) heap.decref(o);
    },
  };
}

/** Python code building the same filters (Filter / DomainFilter arguments as JSON). */
type FilterSpec = ["F", boolean, string, number | null, boolean, number | null] | ["D", boolean, number];
function buildFilters(specs: FilterSpec[]): BaseFilter[] {
  return specs.map((s) => (s[0] === "F" ? new Filter(s[1], s[2], s[3], s[4], s[5]) : new DomainFilter(s[1], s[2])));
}

describe("_format_size (Lib/tracemalloc.py)", () => {
  it("matches CPython for every unit, sign and exact rounding tie", () => {
    const values = [
      0, 1, 9, 99, 100, 999, 1023, 1024, 1536, 10239, 10240, 10496, 10444, 10547, 10650, 102399, 102400, 102401,
      1048575, 1048576, 10 * 2 ** 20 + 2 ** 18, 99.95 * 1024, 2.5, 3.5, 508.5, 509.5, 0.25, 1023.5, 2 ** 40, 5 * 2 ** 50,
      -1, -99, -100, -1024, -10496, -10240, -0.04 * 1024, 123456789, 2 ** 31, 1017 / 2, 1033 / 3,
    ];
    const want = python3Json<string[]>(`
import json
from tracemalloc import _format_size
vals = json.loads(${JSON.stringify(JSON.stringify(values))})
print(json.dumps([_format_size(v, s) for v in vals for s in (False, True)]))`);
    expect(values.flatMap((v) => [_format_size(v, false), _format_size(v, true)])).toEqual(want);
  });
});

describe.each(BACKENDS)("snapshots vs Lib/tracemalloc.py (%s)", (backend) => {
  it("statistics, compare_to, str and repr are CPython's for the same traces", async () => {
    await withHeap(backend, (heap) => {
      const { s1, s2, release } = scenario(heap);
      const combos: [string, boolean][] = [
        ["lineno", false],
        ["filename", false],
        ["traceback", false],
        ["lineno", true],
        ["filename", true],
      ];
      const want = pyTracemalloc<{ stats: string[][]; reprs: string[]; diffs: string[][]; diffReprs: string[]; traces: string[] }>(
        pySnapshot("s1", s1) +
          pySnapshot("s2", s2) +
          `combos = json.loads(${JSON.stringify(JSON.stringify(combos))})
print(json.dumps({
  'stats': [[str(s) for s in s2.statistics(k, c)] for k, c in combos],
  'reprs': [repr(s) for s in s2.statistics('traceback')],
  'diffs': [[str(d) for d in s2.compare_to(s1, k, c)] for k, c in combos],
  'diffReprs': [repr(d) for d in s2.compare_to(s1, 'lineno')],
  'traces': [str(t) + ' | ' + repr(t) for t in s2.traces],
}))`,
      );
      expect(combos.map(([k, c]) => s2.statistics(k as "lineno", c).map(String))).toEqual(want.stats);
      expect(s2.statistics("traceback").map((s) => s.repr())).toEqual(want.reprs);
      expect(combos.map(([k, c]) => s2.compare_to(s1, k as "lineno", c).map(String))).toEqual(want.diffs);
      expect(s2.compare_to(s1, "lineno").map((d) => d.repr())).toEqual(want.diffReprs);
      expect(s2.traces.map((t) => `${t} | ${t.repr()}`)).toEqual(want.traces);
      // and the scenario is what it says: the lines of this file, in CPython's order
      const top = s2.statistics("lineno").filter((s) => s.traceback[0].filename === FILE);
      expect(top.map((s) => s.traceback[0].lineno).slice(0, 2)).toEqual([lineOf("@lvl2"), lineOf("@s6")]);
      const cum = s2.statistics("lineno", true).find((s) => s.traceback[0].lineno === lineOf("@lvl1"))!;
      expect(cum.count).toBe(5); // 3 + 2 bytes objects made through level1
      release();
    });
  });

  it("filter_traces: fnmatch patterns, lineno, all_frames, domains, as CPython", async () => {
    await withHeap(backend, (heap) => {
      const { s2, release } = scenario(heap);
      const sets: FilterSpec[][] = [
        [],
        [["F", true, FILE, null, false, null]],
        [["F", false, FILE, lineOf("@lvl2"), false, null]],
        [["F", true, "*chunk-*.js", null, true, null]],
        [["F", true, "*chunk-*.js", null, false, null]],
        [["F", false, "*/snapshot.test.[st]s", lineOf("@lvl1"), true, null]],
        [
          ["F", true, "*tracemalloc/snap*"],
          ["F", false, "*", lineOf("@s2"), false, null],
        ].map((f) => (f.length === 3 ? [...f, null, false, null] : f)) as FilterSpec[],
        [["F", true, "[!x]*", null, false, null]],
        [["F", true, "*[a-c-]*", null, false, null]],
        [["F", true, "*.t?", null, false, null]],
        [["D", false, 0]],
        [["D", true, 0], ["F", true, FILE, null, false, 0]],
        [["F", false, FILE, null, false, 1]],
        [["F", true, FILE, null, false, 1]],
        [["F", true, FILE, lineOf("@s6"), false, null], ["F", true, FILE, lineOf("@s4"), false, null]],
      ];
      const want = pyTracemalloc<string[][]>(
        pySnapshot("s2", s2) +
          `sets = json.loads(${JSON.stringify(JSON.stringify(sets))})
def build(spec):
    if spec[0] == 'F':
        return Filter(*spec[1:])
    return DomainFilter(*spec[1:])
print(json.dumps([[str(s) for s in s2.filter_traces([build(f) for f in fs]).statistics('traceback')] for fs in sets]))`,
      );
      const got = sets.map((fs) => s2.filter_traces(buildFilters(fs)).statistics("traceback").map(String));
      expect(got).toEqual(want);
      expect(new Filter(true, "x.pyc").filename_pattern).toBe("x.py");
      expect(new DomainFilter(false, 3).domain).toBe(3);
      release();
    });
  });

  it("errors of Snapshot methods are CPython's", async () => {
    await withHeap(backend, (heap) => {
      const { s2, release } = scenario(heap);
      const err = (f: () => unknown): string => {
        try {
          f();
          return "ok";
        } catch (e) {
          return e instanceof PyError ? `${e.pytype}: ${e.message}` : String(e);
        }
      };
      const want = pyTracemalloc<string[]>(`
s = tracemalloc.Snapshot([], 1)
def err(f):
    try:
        f()
        return 'ok'
    except Exception as e:
        return type(e).__name__ + ': ' + str(e)
print(json.dumps([
  err(lambda: s.statistics('foo')),
  err(lambda: s.statistics('traceback', True)),
  err(lambda: s.compare_to(s, 'line')),
  err(lambda: s.filter_traces(3)),
  err(lambda: s.filter_traces(None)),
  err(lambda: tracemalloc.Filter(True, 12)),
]))`);
      const got = [
        err(() => s2.statistics("foo" as "lineno")),
        err(() => s2.statistics("traceback", true)),
        err(() => s2.compare_to(s2, "line" as "lineno")),
        err(() => s2.filter_traces(3 as unknown as BaseFilter[])),
        err(() => s2.filter_traces(null as unknown as BaseFilter[])),
        err(() => new Filter(true, 12 as unknown as string)),
      ];
      expect(got).toEqual(want);
      release();
    });
  });

  it("dump() and Snapshot.load() give back the same statistics", async () => {
    await withHeap(backend, (heap) => {
      const { s1, s2, release } = scenario(heap);
      const file = tempFile("snapshot.json");
      s2.dump(file);
      const back = Snapshot.load(file);
      expect(back.traceback_limit).toBe(3);
      expect(back.statistics("traceback").map(String)).toEqual(s2.statistics("traceback").map(String));
      expect(back.compare_to(s1, "lineno", true).map(String)).toEqual(s2.compare_to(s1, "lineno", true).map(String));
      release();
    });
  });

  it("the same scenario in Python and in the heap: counts per line, order and diffs agree", async () => {
    // Python: one list of 10 slots, 10 bytes objects put in it, then half dropped and
    // 3 smaller ones added in a second list. Globals are bound before start() so that
    // no dict resize is charged to a scenario line, and the bytes come from b'x' * n
    // (with n a variable, so that the compiler does not fold it into a constant)
    // (bytes(n) would also leave its argument tuple on the tuple free list, a block
    // charged to the same line).
    const py = python3Json<{ s1: [number, number][]; diff: [number, number, number][]; text: string[] }>(`
import json, tracemalloc, gc
a = b = s1 = s2 = i = None
n1, n2 = 1000, 100
gc.collect()
tracemalloc.start()
a = [None] * 10
for i in range(10):
    a[i] = b'x' * n1
s1 = tracemalloc.take_snapshot()
for i in range(5, 10):
    a[i] = None
b = [None] * 3
for i in range(3):
    b[i] = b'x' * n2
s2 = tracemalloc.take_snapshot()
tracemalloc.stop()
f = [tracemalloc.Filter(True, '<string>')]
s1 = s1.filter_traces(f)
s2 = s2.filter_traces(f)
print(json.dumps({
  's1': [(s.traceback[0].lineno, s.count) for s in s1.statistics('lineno')],
  'diff': [(d.traceback[0].lineno, d.count, d.count_diff) for d in s2.compare_to(s1, 'lineno')],
  'text': [str(d).split(': ', 1)[1] for d in s2.compare_to(s1, 'lineno')],
}))`);
    // the four allocating lines of the Python script, in order, are these markers' lines
    const pyLines = [...new Set(py.s1.map(([l]) => l).concat(py.diff.map(([l]) => l)))].sort((x, y) => x - y);
    expect(pyLines.length).toBe(4);
    const markers = ["@a", "@a-items", "@b", "@b-items"];
    await withHeap(backend, (heap) => {
      const tm = tracemallocOf(heap);
      clearFreeLists(heap);
      tm.start();
      const none10 = Array.from({ length: 10 }, () => heap.None);
      const a = heap.list(none10); // @a
      for (let i = 0; i < 10; i++) heap.scope(() => heap.setitem(a, i, heap.bytes(new Uint8Array(1000)))); // @a-items
      const s1 = tm.take_snapshot().filter_traces([new Filter(true, FILE)]);
      for (let i = 5; i < 10; i++) heap.setitem(a, i, heap.None);
      const b = heap.list([heap.None, heap.None, heap.None]); // @b
      for (let i = 0; i < 3; i++) heap.scope(() => heap.setitem(b, i, heap.bytes(new Uint8Array(100)))); // @b-items
      const s2 = tm.take_snapshot().filter_traces([new Filter(true, FILE)]);
      tm.stop();
      const line = (n: number): number => lineOf(markers[pyLines.indexOf(n)]);
      expect(s1.statistics("lineno").map((s) => [s.traceback[0].lineno, s.count])).toEqual(py.s1.map(([l, c]) => [line(l), c]));
      const diff = s2.compare_to(s1, "lineno");
      expect(diff.map((d) => [d.traceback[0].lineno, d.count, d.count_diff])).toEqual(py.diff.map(([l, c, cd]) => [line(l), c, cd]));
      // the texts have the same shape (sizes differ: 32-bit objects here, 64-bit in python3)
      const shape = (t: string): string => t.replace(/[\d.]+/g, "N");
      expect(diff.map((d) => shape(String(d).split(": ").slice(1).join(": ")))).toEqual(py.text.map(shape));
      heap.decref(a);
      heap.decref(b);
    });
  });
});
