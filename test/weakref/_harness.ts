// Test harness of the weakref module: a heap with the collector and the weakref
// module installed (both allocator backends), a compact helper to write scenarios
// against the internal API, and a runner for the same scenarios written in
// Python (python3 = CPython 3.11.7, PYTHONHASHSEED=0), so each test compares
// every observable value of the two.

import { execFileSync } from "node:child_process";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAllocator } from "../../src/alloc/index";
import type { Backend } from "../../src/alloc/types";
import { create_heap_state } from "../../src/heap/bootstrap";
import type { HeapState, JsCallable, Ref } from "../../src/heap/state";
import { PyError, toPyError } from "../../src/heap/errors";
import { define_class, type ClassSpec } from "../../src/heap/classobject";
import { type_call } from "../../src/heap/construct";
import { slots_of, slots_of_type } from "../../src/heap/typeobject";
import { Py_DECREF } from "../../src/heap/refcount";
import { call_object } from "../../src/heap/call";
import { getattr, setattr } from "../../src/heap/attr";
import { function_new } from "../../src/heap/function";
import { str_literal, unicode_to_js } from "../../src/heap/str";
import { long_from_number, long_as_exact_number } from "../../src/heap/int";
import { list_from_array, list_get, list_size } from "../../src/heap/list";
import { tuple_from_array, tuple_get, tuple_size } from "../../src/heap/tuple";
import { PyObject_Repr, PyObject_Str } from "../../src/heap/repr";
import {
  PyIter_Next,
  PyObject_GetItem,
  PyObject_GetIter,
  PyObject_Hash,
  PyObject_IsTrue,
  PyObject_Length,
  PyObject_RichCompare,
  PyObject_SetItem,
  PyObject_DelItem,
  PySequence_Contains,
} from "../../src/heap/abstract";
import { K_FLOAT, K_INT, K_LIST, K_NONE, K_STR, K_TUPLE } from "../../src/heap/typeslots";
import { install_gc, gc_collect } from "../../src/gc/index";
import { weakref_install, weakref_module, type WeakrefModule } from "../../src/weakref/index";

export const BACKENDS: Backend[] = ["wasm", "ts"];

const OPS: Record<string, number> = { "<": 0, "<=": 1, "==": 2, "!=": 3, ">": 4, ">=": 5 };

/** A heap plus helpers; every helper that returns a Ref returns a new reference. */
export class T {
  readonly h: HeapState;
  readonly wr: WeakrefModule;
  readonly stderr: string[] = [];
  readonly unraisable: [string, Ref | null][] = [];

  constructor(h: HeapState) {
    this.h = h;
    this.wr = weakref_module(h);
  }

  static async create(backend: Backend): Promise<T> {
    const alloc = await createAllocator({ backend });
    let t: T | null = null;
    const h = create_heap_state(alloc, { stderr: (line) => t!.stderr.push(line) });
    install_gc(h);
    weakref_install(h);
    t = new T(h);
    h.unraisablehook = (err, obj) => t!.unraisable.push([toPyError(err).toString(), obj]);
    return t;
  }

  blocks(): number {
    return this.h.alloc.getallocatedblocks();
  }
  collect(gen = 2): number {
    return gc_collect(this.h, gen);
  }
  cls(name: string, spec: ClassSpec = {}): Ref {
    return define_class(this.h, name, spec);
  }
  new(cls: Ref, ...args: Ref[]): Ref {
    return type_call(this.h, slots_of_type(this.h, cls), args, null);
  }
  fn(name: string, f: JsCallable): Ref {
    const n = str_literal(this.h, name);
    try {
      return function_new(this.h, f, n, n, 0);
    } finally {
      Py_DECREF(this.h, n);
    }
  }
  call(f: Ref, ...args: Ref[]): Ref {
    return call_object(this.h, f, args, null);
  }
  callKw(f: Ref, args: Ref[], kw: Record<string, Ref>): Ref {
    return call_object(this.h, f, args, kw);
  }
  /** getattr(o, name)(*args) */
  meth(o: Ref, name: string, ...args: Ref[]): Ref {
    const m = getattr(this.h, o, name);
    try {
      return call_object(this.h, m, args, null);
    } finally {
      Py_DECREF(this.h, m);
    }
  }
  get(o: Ref, name: string): Ref {
    return getattr(this.h, o, name);
  }
  set(o: Ref, name: string, v: Ref): void {
    setattr(this.h, o, name, v);
  }
  del(o: Ref, name: string): void {
    setattr(this.h, o, name, 0);
  }
  dec(...rs: Ref[]): void {
    for (const r of rs) if (r !== 0) Py_DECREF(this.h, r);
  }
  inc(r: Ref): Ref {
    this.h.i32[r >> 2]++;
    return r;
  }
  int(n: number): Ref {
    return long_from_number(this.h, n);
  }
  str(s: string): Ref {
    return str_literal(this.h, s);
  }
  list(items: Ref[]): Ref {
    return list_from_array(this.h, items);
  }
  tuple(items: Ref[]): Ref {
    return tuple_from_array(this.h, items);
  }
  repr(o: Ref): string {
    return PyObject_Repr(this.h, o);
  }
  strOf(o: Ref): string {
    return PyObject_Str(this.h, o);
  }
  hash(o: Ref): number {
    return PyObject_Hash(this.h, o);
  }
  truth(o: Ref): boolean {
    return PyObject_IsTrue(this.h, o);
  }
  len(o: Ref): number {
    return PyObject_Length(this.h, o);
  }
  getitem(o: Ref, k: Ref): Ref {
    return PyObject_GetItem(this.h, o, k);
  }
  setitem(o: Ref, k: Ref, v: Ref): void {
    PyObject_SetItem(this.h, o, k, v);
  }
  delitem(o: Ref, k: Ref): void {
    PyObject_DelItem(this.h, o, k);
  }
  contains(o: Ref, k: Ref): boolean {
    return PySequence_Contains(this.h, o, k);
  }
  compare(a: Ref, b: Ref, op: string): boolean {
    const r = PyObject_RichCompare(this.h, a, b, OPS[op]);
    try {
      return PyObject_IsTrue(this.h, r);
    } finally {
      Py_DECREF(this.h, r);
    }
  }
  iter(o: Ref): Ref {
    return PyObject_GetIter(this.h, o);
  }
  /** next(it) or undefined */
  next(it: Ref): Ref | undefined {
    const r = PyIter_Next(this.h, it);
    return r === 0 ? undefined : r;
  }
  /** list(iterable) as owned Refs */
  items(o: Ref): Ref[] {
    const it = this.iter(o);
    const out: Ref[] = [];
    try {
      for (let x = this.next(it); x !== undefined; x = this.next(it)) out.push(x);
    } finally {
      this.dec(it);
    }
    return out;
  }
  /** sys.getrefcount(o) */
  rc(o: Ref): number {
    return this.h.i32[o >> 2] + 1;
  }
  is(a: Ref, b: Ref): boolean {
    return a === b;
  }
  isNone(o: Ref): boolean {
    return o === this.h.None;
  }
  typeName(o: Ref): string {
    return slots_of(this.h, o).name;
  }
  /** a plain JS view of a heap value (ints, strs, None, bools, lists/tuples of those) */
  js(o: Ref): unknown {
    const h = this.h;
    if (o === h.None) return null;
    if (o === h.True) return true;
    if (o === h.False) return false;
    const k = slots_of(h, o).kind;
    if (k === K_INT) return long_as_exact_number(h, o);
    if (k === K_STR) return unicode_to_js(h, o);
    if (k === K_NONE) return null;
    if (k === K_LIST) return Array.from({ length: list_size(h, o) }, (_, i) => this.js(list_get(h, o, i)));
    if (k === K_TUPLE) return Array.from({ length: tuple_size(h, o) }, (_, i) => this.js(tuple_get(h, o, i)));
    if (k === K_FLOAT) return Number(this.repr(o));
    return this.repr(o);
  }
  /** js(o), then drop o */
  take(o: Ref): unknown {
    try {
      return this.js(o);
    } finally {
      this.dec(o);
    }
  }
  /** "ExcType: message" of what f throws, or "ok" */
  err(f: () => unknown): string {
    try {
      const r = f();
      if (typeof r === "number" && r > 0 && this.h.i32[(r + 4) >> 2] !== 0) this.dec(r);
      return "ok";
    } catch (e) {
      if (e instanceof PyError) return `${e.pytype}: ${e.message}`;
      throw e;
    }
  }
}

// ---- the Python side ----

const PY_RUNNER = `
import json, sys, gc, weakref
results = {}
for name, src in SNIPPETS:
    gc.collect()
    gc.disable()
    g = {"out": [], "__name__": "__main__", "sys": sys, "gc": gc, "weakref": weakref}
    try:
        exec(compile(src, name, 'exec'), g)
    except BaseException as e:
        g['out'].append(['EXC', type(e).__name__, str(e)])
    results[name] = g['out']
    g.clear()
    gc.enable()
    gc.collect()
print(json.dumps(results))
`;

/** Run each snippet (a fresh namespace, the collector disabled) in python3; `out` of each, JSON-decoded. */
export function runPython(snippets: Record<string, string>): Record<string, unknown[]> {
  const list = Object.entries(snippets).map(([k, v]) => [k, dedent(v)]);
  const script = `SNIPPETS = ${JSON.stringify(list)}\n${PY_RUNNER}`;
  const stdout = execFileSync("python3", ["-c", script], {
    env: { ...process.env, PYTHONHASHSEED: "0" },
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/** Run one whole Python program; its stdout lines. */
export function runPythonProgram(src: string): string[] {
  const stdout = execFileSync("python3", ["-c", dedent(src)], {
    env: { ...process.env, PYTHONHASHSEED: "0" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return stdout.split("\n").filter((l) => l.length > 0);
}

export function dedent(s: string): string {
  const lines = s.replace(/^\n/, "").split("\n");
  const indents = lines.filter((l) => l.trim().length > 0).map((l) => l.match(/^ */)![0].length);
  const n = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(n)).join("\n");
}

/** A scenario written twice: Python (its `out` list) and against the heap (pushing to `out`). */
export type Scenario = { py: string; ts: (t: T, out: unknown[]) => void };

/**
 * One test per scenario on each backend: a fresh heap with the collector off, the
 * scenario's values compared with python3's, and a leak check after a collection.
 */
export function describeScenarios(title: string, scenarios: Record<string, Scenario>): void {
  let PY: Record<string, unknown[]>;
  beforeAll(() => {
    PY = runPython(Object.fromEntries(Object.entries(scenarios).map(([k, v]) => [k, v.py])));
  });
  describe.each(BACKENDS)(`${title} (%s)`, (backend) => {
    let t: T;
    let base: number;
    beforeEach(async () => {
      t = await T.create(backend);
      t.collect();
      base = t.blocks();
      t.h.gc.enabled = false;
    });
    afterEach(() => {
      t.h.gc.enabled = true;
      t.collect();
      expect(t.blocks()).toBe(base);
    });
    for (const [name, s] of Object.entries(scenarios)) {
      it(name, () => {
        const out: unknown[] = [];
        s.ts(t, out);
        if (process.env.WR_DEBUG) console.log(name, JSON.stringify(out), "\n", JSON.stringify(PY[name]));
        expect(out).toEqual(PY[name]);
      });
    }
  });
}
