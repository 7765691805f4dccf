// === Bytes per object: ours (32-bit layouts) vs CPython 64-bit and Pyodide ===
//
// Question: how many bytes does each small object take on our heap, next to CPython 3.11
// on this machine (64-bit) and Pyodide (CPython 3.11.3, wasm32)? Issue 3's target: ours
// smaller than CPython 64-bit (4-byte pointers).
//
//   tsx bench/objsize.ts [--k 2000] [--backend wasm] [--no-pyodide] [--quick] [--json]
//
// Columns:
//   getsizeof          sys.getsizeof (the object and its GC/managed-dict pre-header, plus what
//                      the type's __sizeof__ adds: a list's item array, a dict's keys table)
//   allocated          bytes of pymalloc blocks (block sizes, i.e. with the size-class rounding)
//                      and raw blocks that k such objects hold, divided by k: the object, its
//                      separately allocated parts (list item arrays, dict keys objects,
//                      instance values arrays), nothing shared (small ints, interned keys)
//   CPython64          python3's sys.getsizeof, and its tracemalloc bytes per object for the
//                      same k objects (requested sizes, so without pymalloc's rounding)
//   Pyodide            Pyodide's sys.getsizeof (should equal ours: same 32-bit layouts)
//
// Objects are built the way the churn bench builds them (bench/churn.ts), plus a few
// reference points. Free lists are emptied (a full collection) before each measurement.

import { parseArgs } from "node:util";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
import { createRequire } from "node:module";
import { createHeap, type Heap, type Ref } from "../src/index.js";
import type { Backend } from "../src/alloc/types.js";

const { values: opt } = parseArgs({
  options: {
    k: { type: "string" },
    backend: { type: "string" },
    "no-pyodide": { type: "boolean" },
    quick: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (opt.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(0, 24).join("\n"));
  process.exit(0);
}
const K = Number(opt.k ?? (opt.quick ? 200 : 2000));
const backend = (opt.backend ?? "wasm") as Backend;

interface Obj {
  name: string;
  /** Python expression building one object (x, y, z = 1, 2, 3; C and S defined) */
  py: string;
  /** our equivalent: a new reference */
  js: (heap: Heap, env: Env) => Ref;
}

interface Env {
  x: Ref;
  y: Ref;
  z: Ref;
  ka: Ref;
  kb: Ref;
  kc: Ref;
  C: Ref;
  S: Ref;
  E: Ref;
}

const PY_SETUP = `
class C:
    def __init__(self, a, b, c):
        self.x = a; self.y = b; self.z = c
class S:
    __slots__ = ('x', 'y', 'z')
    def __init__(self, a, b, c):
        self.x = a; self.y = b; self.z = c
class E: pass
x, y, z = 1, 2, 3
`;

const OBJECTS: Obj[] = [
  { name: "3-int list [x, y, z]", py: "[x, y, z]", js: (h, e) => h.list([e.x, e.y, e.z]) },
  { name: "3-key dict {'a','b','c'}", py: "{'a': x, 'b': y, 'c': z}", js: (h, e) => h.dict([[e.ka, e.x], [e.kb, e.y], [e.kc, e.z]]) },
  { name: "instance, 3 attributes", py: "C(x, y, z)", js: (h, e) => h.new(e.C, e.x, e.y, e.z) },
  { name: "2-tuple (x, y)", py: "(x, y)", js: (h, e) => h.tuple([e.x, e.y]) },
  { name: "__slots__ instance, 3 slots", py: "S(x, y, z)", js: (h, e) => h.new(e.S, e.x, e.y, e.z) },
  { name: "empty instance", py: "E()", js: (h, e) => h.new(e.E) },
  { name: "empty list", py: "[]", js: (h) => h.list() },
  { name: "empty dict", py: "{}", js: (h) => h.dict() },
  { name: "int 1000", py: "int('1000')", js: (h) => h.int(1000) },
  { name: "int 2**64", py: "int('18446744073709551616')", js: (h) => h.int(2n ** 64n) },
  { name: "float", py: "float('1.5')", js: (h) => h.float(1.5) },
  { name: "str 'hello world' (11 ASCII)", py: "''.join(['hello', ' world'])", js: (h) => h.str("hello world") },
  { name: "set of 3 ints", py: "{x, y, z}", js: (h, e) => h.set([e.x, e.y, e.z]) },
];

function fullCollect(heap: Heap): void {
  (heap as unknown as { gc?: { collect(): number } }).gc?.collect();
}

function bytesHeld(heap: Heap): number {
  const s = heap.mem.stats();
  return s.bytesInUse + s.rawBytesInUse;
}

async function measureOurs(): Promise<{ getsizeof: number; allocated: number }[]> {
  const heap = await createHeap({ backend });
  const env: Env = {
    x: heap.int(1),
    y: heap.int(2),
    z: heap.int(3),
    ka: heap.str("a"),
    kb: heap.str("b"),
    kc: heap.str("c"),
    C: heap.defineClass("C", {
      methods: {
        __init__: (self, a, b, c) => {
          heap.setattr(self, "x", a);
          heap.setattr(self, "y", b);
          heap.setattr(self, "z", c);
        },
      },
    }),
    S: heap.defineClass("S", {
      slots: ["x", "y", "z"],
      methods: {
        __init__: (self, a, b, c) => {
          heap.setattr(self, "x", a);
          heap.setattr(self, "y", b);
          heap.setattr(self, "z", c);
        },
      },
    }),
    E: heap.defineClass("E"),
  };
  const out: { getsizeof: number; allocated: number }[] = [];
  for (const o of OBJECTS) {
    heap.decref(o.js(heap, env)); // warm the class's shared keys and caches
    fullCollect(heap);
    const before = bytesHeld(heap);
    const held: Ref[] = [];
    for (let i = 0; i < K; i++) held.push(o.js(heap, env));
    const allocated = (bytesHeld(heap) - before) / K;
    const getsizeof = heap.sys.getsizeof(held[0]);
    held.forEach((r) => heap.decref(r));
    out.push({ getsizeof, allocated });
  }
  heap.close();
  return out;
}

function measureCPython(): { version: string; rows: { getsizeof: number; traced: number }[] } {
  const script = `${PY_SETUP}
import sys, json, tracemalloc, gc
exprs = json.loads(sys.argv[1])
rows = []
gc.disable()
for e in exprs:
    f = eval('lambda: ' + e)
    f(); gc.collect()
    tracemalloc.start()
    held = [None] * ${K}
    base = tracemalloc.get_traced_memory()[0]
    for i in range(${K}):
        held[i] = f()
    traced = (tracemalloc.get_traced_memory()[0] - base) / ${K}
    tracemalloc.stop()
    rows.append({"getsizeof": sys.getsizeof(held[0]), "traced": traced})
    del held
print(json.dumps({"version": sys.version.split()[0], "rows": rows}))`;
  const r = spawnSync("python3", ["-c", script, JSON.stringify(OBJECTS.map((o) => o.py))], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python3 failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function measurePyodide(): Promise<number[] | null> {
  if (opt["no-pyodide"]) return null;
  try {
    // indexURL must be given: under tsx, pyodide cannot locate itself from the stack trace
    const indexURL = dirname(createRequire(import.meta.url).resolve("pyodide/package.json")) + "/";
    const { loadPyodide } = await import("pyodide");
    const py = await loadPyodide({ indexURL, env: { PYTHONHASHSEED: "0" }, stdout: () => {}, stderr: () => {} });
    py.runPython(PY_SETUP);
    const res = py.runPython(`import sys, json\njson.dumps([sys.getsizeof(eval(e)) for e in ${JSON.stringify(OBJECTS.map((o) => o.py))}])`) as string;
    return JSON.parse(res);
  } catch (e) {
    process.stderr.write(`Pyodide unavailable: ${String(e)}\n`);
    return null;
  }
}

const ours = await measureOurs();
const cpython = measureCPython();
const pyodide = await measurePyodide();
const rows = OBJECTS.map((o, i) => ({
  object: o.name,
  python: o.py,
  ours: ours[i],
  cpython64: cpython.rows[i],
  pyodideGetsizeof: pyodide?.[i] ?? null,
}));

if (opt.json) {
  console.log(JSON.stringify({ k: K, backend, python: cpython.version, rows }, null, 1));
} else {
  console.log(`\nbytes per object: ours (${backend}, 32-bit layouts) vs CPython ${cpython.version} 64-bit vs Pyodide 0.25 (wasm32); k = ${K}\n`);
  console.log("| object | Python | ours getsizeof | ours allocated | Pyodide getsizeof | CPython64 getsizeof | CPython64 tracemalloc | ours allocated / CPython64 |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const ratio = r.ours.allocated / r.cpython64.traced;
    console.log(
      `| ${r.object} | \`${r.python}\` | ${r.ours.getsizeof} | ${r.ours.allocated.toFixed(1)} | ${r.pyodideGetsizeof ?? "-"} | ${r.cpython64.getsizeof} | ${r.cpython64.traced.toFixed(1)} | ${ratio.toFixed(2)} |`,
    );
  }
  const mismatch = rows.filter((r) => r.pyodideGetsizeof !== null && r.pyodideGetsizeof !== r.ours.getsizeof);
  if (mismatch.length) console.log(`\ngetsizeof differs from Pyodide: ${mismatch.map((r) => `${r.object} (${r.ours.getsizeof} vs ${r.pyodideGetsizeof})`).join(", ")}`);
}
