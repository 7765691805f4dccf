// Test helpers for the collector: a heap with its gc module, a few Python-like
// constructors over the internal functions, a leak check around every test, and
// python3 as the oracle (run_python).

import { spawnSync } from "node:child_process";
import { expect } from "vitest";
import { createAllocator } from "../../src/alloc/index";
import type { Backend } from "../../src/alloc/types";
import { create_heap_state } from "../../src/heap/bootstrap";
import { define_class, type ClassSpec } from "../../src/heap/classobject";
import { type_call } from "../../src/heap/construct";
import { getattr, setattr } from "../../src/heap/attr";
import { dict_new, dict_setitem } from "../../src/heap/dict";
import { function_new } from "../../src/heap/function";
import { long_from_number } from "../../src/heap/int";
import { list_append, list_from_array, list_setitem } from "../../src/heap/list";
import { Py_DECREF } from "../../src/heap/refcount";
import type { HeapState, Ref } from "../../src/heap/state";
import { str_literal } from "../../src/heap/str";
import { tuple_from_array } from "../../src/heap/tuple";
import { slots_of, slots_of_type } from "../../src/heap/typeobject";
import { gc_module, type GcModule } from "../../src/gc/index";
import { PyError } from "../../src/heap/errors";

export const BACKENDS: Backend[] = ["wasm", "ts"];

export interface T {
  h: HeapState;
  gc: GcModule;
  stderr: string[];
  unraisable: { type: string; message: string; obj: Ref | null }[];
  None: Ref;
  list(...items: Ref[]): Ref;
  tuple(...items: Ref[]): Ref;
  dict(entries: [Ref, Ref][]): Ref;
  int(v: number): Ref;
  str(s: string): Ref;
  cls(name: string, spec?: ClassSpec): Ref;
  new_(cls: Ref, ...args: Ref[]): Ref;
  setattr(o: Ref, name: string, v: Ref): void;
  getattr(o: Ref, name: string): Ref;
  append(l: Ref, v: Ref): void;
  setitem(l: Ref, i: number, v: Ref): void;
  fn(f: (...args: Ref[]) => Ref | void, name?: string): Ref;
  decref(...refs: Ref[]): void;
  incref(r: Ref): Ref;
  typeName(o: Ref): string;
  refcnt(o: Ref): number;
  /** ids of the objects in a heap list (borrowed list) */
  items(list: Ref): Ref[];
}

export async function makeHeap(backend: Backend): Promise<T> {
  const alloc = await createAllocator({ backend });
  const stderr: string[] = [];
  const h = create_heap_state(alloc, { stderr: (line) => stderr.push(line) });
  const gc = gc_module(h);
  const unraisable: T["unraisable"] = [];
  h.unraisablehook = (err, obj) => {
    const e = err as PyError;
    unraisable.push({ type: e.pytype ?? "Exception", message: e.message, obj });
  };
  const t: T = {
    h,
    gc,
    stderr,
    unraisable,
    None: h.None,
    list: (...items) => list_from_array(h, items),
    tuple: (...items) => tuple_from_array(h, items),
    dict(entries) {
      const d = dict_new(h);
      for (const [k, v] of entries) dict_setitem(h, d, k, v);
      return d;
    },
    int: (v) => long_from_number(h, v),
    str: (s) => str_literal(h, s),
    cls: (name, spec = {}) => define_class(h, name, spec),
    new_: (cls, ...args) => type_call(h, slots_of_type(h, cls), args, null),
    setattr: (o, name, v) => setattr(h, o, name, v),
    getattr: (o, name) => getattr(h, o, name),
    append: (l, v) => list_append(h, l, v),
    setitem: (l, i, v) => list_setitem(h, l, i, v),
    fn(f, name = "f") {
      const n = str_literal(h, name);
      const r = function_new(h, f, n, n, 0);
      Py_DECREF(h, n);
      return r;
    },
    decref(...refs) {
      for (const r of refs) Py_DECREF(h, r);
    },
    incref(r) {
      h.i32[r >> 2]++;
      return r;
    },
    typeName: (o) => slots_of(h, o).name,
    refcnt: (o) => h.i32[o >> 2],
    items(list) {
      const n = h.i32[(list + 8) >> 2];
      const base = h.i32[(list + 12) >> 2] >> 2;
      return Array.from(h.i32.subarray(base, base + n));
    },
  };
  return t;
}

/**
 * Run `body` on a fresh heap and check it leaks nothing: after a full collection
 * (which clears the free lists) the allocator holds exactly the blocks it held
 * before the test. The collector is left as the test left it, except that
 * gc.garbage is emptied before the final collection.
 */
export async function withHeap<R>(backend: Backend, body: (t: T) => R | Promise<R>): Promise<R> {
  const t = await makeHeap(backend);
  t.gc.collect();
  const base = t.h.alloc.getallocatedblocks();
  const r = await body(t);
  t.gc.set_debug(0);
  t.gc.callbacks.length = 0;
  const garbage = t.gc.garbage;
  const n = t.h.i32[(garbage + 8) >> 2];
  if (n > 0) {
    // del gc.garbage[:]
    const { list_clear } = await import("../../src/heap/list");
    list_clear(t.h, garbage);
  }
  t.gc.collect();
  expect(t.h.alloc.getallocatedblocks(), "blocks leaked").toBe(base);
  t.h.alloc.check();
  return r;
}

const pyCache = new Map<string, unknown>();

/** Run a Python snippet with python3 (PYTHONHASHSEED=0); its last stdout line is JSON. */
export function run_python<R = unknown>(code: string): R {
  const cached = pyCache.get(code);
  if (cached !== undefined) return cached as R;
  const lines = code.split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  const src = lines.map((l) => l.slice(indent)).join("\n");
  const p = spawnSync("python3", ["-c", src], {
    env: { ...process.env, PYTHONHASHSEED: "0" },
    encoding: "utf8",
  });
  if (p.status !== 0) throw new Error(`python3 failed:\n${p.stderr}\n--- code ---\n${src}`);
  const out = p.stdout.trim().split("\n");
  const r = JSON.parse(out[out.length - 1]) as R;
  pyCache.set(code, r);
  return r;
}

/** The error a call raises, as "Type: message" (or "ok"). */
export function errorOf(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof PyError) return `${e.pytype}: ${e.message}`;
    throw e;
  }
}
