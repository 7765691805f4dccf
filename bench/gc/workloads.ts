// === GC anchor workloads A-F on our heap (bench/gc.ts's measured side) ===
//
// The shapes of ../shared/anchors/gc/workloads.md, built with the heap's internal
// functions in the order CPython's cpython_gc.py builds them (same objects, same
// GC allocations, same refcount cascades), and measured with its protocol:
// freeze the start-up objects, disable automatic collection, build, drop, one
// timed full collection (F: a first one, then 5 timed ones, median), D: the
// F_dict live set then 10 + 10 interleaved chunks of churn with the collector on
// and off, collections timed from gc.callbacks.
//
// Each measured pass runs in its own process on its own heap (bench/gc.ts spawns
// it), after an unmeasured warm-up pass of the same workload at a smaller N on
// that heap, so the JIT has compiled the code and every JS->wasm call site has
// seen one wasm instance only.

import { createAllocator } from "../../src/alloc/index.js";
import type { Backend } from "../../src/alloc/types.js";
import { setattr } from "../../src/heap/attr.js";
import { create_heap_state } from "../../src/heap/bootstrap.js";
import { define_class } from "../../src/heap/classobject.js";
import { type_call } from "../../src/heap/construct.js";
import { dict_new, dict_setitem } from "../../src/heap/dict.js";
import { long_from_number } from "../../src/heap/int.js";
import { LIST_ITEMS } from "../../src/heap/layout.js";
import { list_append, list_clear, list_new_empty, list_setitem } from "../../src/heap/list.js";
import { Py_DECREF } from "../../src/heap/refcount.js";
import type { HeapState, Ref } from "../../src/heap/state.js";
import { intern_js } from "../../src/heap/str.js";
import { slots_of_type } from "../../src/heap/typeobject.js";
import type { TypeSlots } from "../../src/heap/typeslots.js";
import { gc_module, type GcModule } from "../../src/gc/index.js";
import { gc_list_size } from "../../src/heap/gclist.js";

export const GRAPH_WORKLOADS = ["A", "B", "C", "E", "F_list", "F_dict"] as const;
export type GraphWorkload = (typeof GRAPH_WORKLOADS)[number];

/** workload containers per N (the ns/object denominator, workloads.md) */
export function objectsOf(w: string, n: number): number {
  return w === "A" ? 2 * n : n;
}

export const XS_SEED = 2463534242;
export const F_REPEATS = 5;
export const D_WARMUP_OPS = 200_000;
export const D_CHUNKS = 10;

/** xorshift32 targets of workload E: draw t is next() mod n */
export function xorshift32_targets(n: number, k: number, seed = XS_SEED): Uint32Array {
  const out = new Uint32Array(n * k);
  let x = seed >>> 0;
  for (let t = 0; t < n * k; t++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[t] = x % n;
  }
  return out;
}

interface Bench {
  h: HeapState;
  gc: GcModule;
  RingNode: TypeSlots;
  TreeNode: TypeSlots;
  idKey: Ref;
  prevKey: Ref;
}

/**
 * A backend as the bench's command line names it: "wasm" or "ts" (the default shared
 * linear memory), or either with "-plain" (sharedMemory: false).
 */
export type BackendVariant = string;

/** A fresh heap with the workload classes, collected and frozen, collector off (step 1-2). */
export async function benchHeap(variant: BackendVariant): Promise<Bench> {
  if (!/^(wasm|ts)(-plain)?$/.test(variant)) throw new Error(`unknown backend ${variant} (wasm, ts, wasm-plain, ts-plain)`);
  const backend = variant.replace(/-plain$/, "") as Backend;
  const alloc = await createAllocator({ backend, maxMemory: 2 ** 31, sharedMemory: !variant.endsWith("-plain") });
  const h = create_heap_state(alloc, { stderr: () => {} });
  const gc = gc_module(h);
  const ring = define_class(h, "RingNode", {});
  const tree = define_class(h, "TreeNode", { slots: ["left", "right", "parent"] });
  const b: Bench = {
    h,
    gc,
    RingNode: slots_of_type(h, ring),
    TreeNode: slots_of_type(h, tree),
    idKey: intern_js(h, "id"),
    prevKey: intern_js(h, "prev"),
  };
  gc.collect();
  gc.freeze();
  gc.disable();
  return b;
}

/** [v0, v1, ...] as BUILD_LIST makes it: PyList_New(n), then the items (new references). */
function list_of(h: HeapState, n: number, a: Ref, b: Ref, c: Ref): Ref {
  const op = list_new_empty(h, n);
  const i32 = h.i32;
  const items = i32[(op + LIST_ITEMS) >> 2] >> 2;
  i32[a >> 2]++;
  i32[items] = a;
  if (n > 1) {
    i32[b >> 2]++;
    i32[items + 1] = b;
  }
  if (n > 2) {
    i32[c >> 2]++;
    i32[items + 2] = c;
  }
  return op;
}

function build_A(b: Bench, n: number): Ref {
  const h = b.h;
  const None = h.None;
  for (let i = 0; i < n; i++) {
    const a = list_of(h, 1, None, 0, 0); // a = [None]
    const bb = list_of(h, 1, a, 0, 0); // b = [a]
    list_setitem(h, a, 0, bb); // a[0] = b
    Py_DECREF(h, a);
    Py_DECREF(h, bb);
  }
  return 0;
}

function build_B(b: Bench, n: number): Ref {
  const h = b.h;
  const first = type_call(h, b.RingNode, [], null);
  let prev = first;
  for (let i = 0; i < n - 1; i++) {
    const o = type_call(h, b.RingNode, [], null);
    setattr(h, prev, "next", o);
    if (prev !== first) Py_DECREF(h, prev);
    prev = o;
  }
  setattr(h, prev, "next", first);
  if (prev !== first) Py_DECREF(h, prev);
  return first;
}

function tree_node(b: Bench, parent: Ref): Ref {
  const h = b.h;
  const c = type_call(h, b.TreeNode, [], null);
  setattr(h, c, "parent", parent);
  setattr(h, c, "left", h.None);
  setattr(h, c, "right", h.None);
  return c;
}

function build_C(b: Bench, n: number): Ref {
  const h = b.h;
  const nodes = list_new_empty(h, 0);
  const first = tree_node(b, h.None);
  list_append(h, nodes, first);
  Py_DECREF(h, first);
  for (let i = 1; i < n; i++) {
    const i32 = h.i32;
    const p = i32[(i32[(nodes + LIST_ITEMS) >> 2] >> 2) + ((i - 1) >> 1)];
    const c = tree_node(b, p);
    setattr(h, p, i & 1 ? "left" : "right", c);
    list_append(h, nodes, c);
    Py_DECREF(h, c);
  }
  const i32 = h.i32;
  const root = i32[i32[(nodes + LIST_ITEMS) >> 2] >> 2];
  i32[root >> 2]++;
  Py_DECREF(h, nodes); // the index list dies inside the build
  return root;
}

function build_E(b: Bench, n: number, targets: Uint32Array): Ref {
  const h = b.h;
  const None = h.None;
  const nodes = list_new_empty(h, 0);
  for (let i = 0; i < n; i++) {
    const x = list_of(h, 3, None, None, None);
    list_append(h, nodes, x);
    Py_DECREF(h, x);
  }
  let t = 0;
  for (let i = 0; i < n; i++) {
    const i32 = h.i32;
    const items = i32[(nodes + LIST_ITEMS) >> 2] >> 2;
    const node = i32[items + i];
    list_setitem(h, node, 0, i32[items + targets[t]]);
    list_setitem(h, node, 1, h.i32[items + targets[t + 1]]);
    list_setitem(h, node, 2, h.i32[items + targets[t + 2]]);
    t += 3;
  }
  return nodes;
}

/**
 * F: a root list of n records, record i made by `record(h, i, prev)` (new reference)
 * from the int i and the previous record (the root list for record 0).
 */
function build_F(b: Bench, n: number, record: (h: HeapState, v: Ref, prev: Ref) => Ref): Ref {
  const h = b.h;
  const root = list_new_empty(h, n);
  {
    const i32 = h.i32;
    const items = i32[(root + LIST_ITEMS) >> 2] >> 2;
    for (let i = 0; i < n; i++) {
      i32[h.None >> 2]++;
      i32[items + i] = h.None;
    }
  }
  let prev = root;
  h.i32[root >> 2]++;
  for (let i = 0; i < n; i++) {
    const v = long_from_number(h, i);
    const rec = record(h, v, prev);
    Py_DECREF(h, v);
    list_setitem(h, root, i, rec);
    Py_DECREF(h, prev);
    prev = rec;
  }
  Py_DECREF(h, prev);
  return root;
}

/** F_list: record = [i, prev] */
function build_F_list(b: Bench, n: number): Ref {
  return build_F(b, n, (h, v, prev) => list_of(h, 2, v, prev, 0));
}

/** F_dict: record = {'id': i, 'prev': prev} */
function build_F_dict(b: Bench, n: number): Ref {
  return build_F(b, n, (h, v, prev) => {
    const rec = dict_new(h);
    dict_setitem(h, rec, b.idKey, v);
    dict_setitem(h, rec, b.prevKey, prev);
    return rec;
  });
}

/** tracked objects in generations 0..2 (len(gc.get_objects())) */
function tracked(b: Bench): number {
  const heads = b.h.gc.heads;
  return gc_list_size(b.h, heads[0]) + gc_list_size(b.h, heads[1]) + gc_list_size(b.h, heads[2]);
}

const now = (): number => performance.now();
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface GraphResult {
  workload: string;
  N: number;
  objects: number;
  build_ns: number;
  drop_ns?: number;
  collect_ns: number;
  collect_cpu_ns: number;
  collect_returned: number;
  tracked_created: number;
  freed_by_refcount?: number;
  left_after_collect?: number;
  first_collect_returned?: number;
  first_collect_ns?: number;
  still_tracked?: number;
  linear_memory_bytes: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One pass of a graph workload (steps 3-5 of the protocol) on a prepared heap. */
export function runGraph(b: Bench, w: GraphWorkload, n: number, targets: Uint32Array | null): GraphResult {
  const gc = b.gc;
  const r: GraphResult = {
    workload: w,
    N: n,
    objects: objectsOf(w, n),
    build_ns: 0,
    collect_ns: 0,
    collect_cpu_ns: 0,
    collect_returned: 0,
    tracked_created: 0,
    linear_memory_bytes: 0,
  };
  gc.collect();
  const k0 = tracked(b);
  let t = now();
  let root: Ref;
  switch (w) {
    case "A":
      root = build_A(b, n);
      break;
    case "B":
      root = build_B(b, n);
      break;
    case "C":
      root = build_C(b, n);
      break;
    case "E":
      root = build_E(b, n, targets!);
      break;
    case "F_list":
      root = build_F_list(b, n);
      break;
    case "F_dict":
      root = build_F_dict(b, n);
      break;
  }
  r.build_ns = (now() - t) * 1e6;
  const k1 = tracked(b);
  r.tracked_created = k1 - k0;
  r.linear_memory_bytes = b.h.alloc.memory.buffer.byteLength;
  if (w === "F_list" || w === "F_dict") {
    t = now();
    r.first_collect_returned = gc.collect();
    r.first_collect_ns = (now() - t) * 1e6;
    const walls: number[] = [];
    const cpus: number[] = [];
    let ret = 0;
    for (let i = 0; i < F_REPEATS; i++) {
      const c = cpuMs();
      t = now();
      ret = Math.max(ret, gc.collect());
      walls.push((now() - t) * 1e6);
      cpus.push((cpuMs() - c) * 1e6);
    }
    r.collect_ns = median(walls);
    r.collect_cpu_ns = median(cpus);
    r.collect_returned = ret;
    r.still_tracked = tracked(b) - k0;
    Py_DECREF(b.h, root);
    gc.collect();
  } else {
    t = now();
    if (root !== 0) Py_DECREF(b.h, root);
    r.drop_ns = (now() - t) * 1e6;
    const k2 = tracked(b);
    r.freed_by_refcount = k1 - k2;
    const c = cpuMs();
    t = now();
    r.collect_returned = gc.collect();
    r.collect_ns = (now() - t) * 1e6;
    r.collect_cpu_ns = (cpuMs() - c) * 1e6;
    r.left_after_collect = tracked(b) - k0;
  }
  return r;
}

export interface DResult {
  workload: "D";
  N: number;
  batch: number;
  ops: number;
  objects: number;
  build_ns: number;
  collect_ns: number;
  collect_returned: number;
  enabled_ns: number;
  disabled_ns: number;
  ops_per_s_enabled: number;
  ops_per_s_disabled: number;
  gc_overhead_pct: number;
  gen_collections: number[];
  gen_total_ns: number[];
  gen_max_ns: number[];
  gen_collected: number[];
  live_still_reachable: number;
}

/** `ops` records of the churn: [i, None], one alive at a time (batch 1) or in a reused buffer. */
function churn(b: Bench, ops: number, batch: number, buf: Ref): void {
  const h = b.h;
  const None = h.None;
  if (batch === 1) {
    let x: Ref = 0;
    for (let i = 0; i < ops; i++) {
      const v = long_from_number(h, i);
      const rec = list_of(h, 2, v, None, 0); // x = [i, None]
      Py_DECREF(h, v);
      const old = x;
      x = rec;
      if (old !== 0) Py_DECREF(h, old);
    }
    if (x !== 0) Py_DECREF(h, x);
    return;
  }
  const nb = Math.floor(ops / batch);
  for (let k = 0; k < nb; k++) {
    for (let i = 0; i < batch; i++) {
      const v = long_from_number(h, i);
      const rec = list_of(h, 2, v, None, 0);
      Py_DECREF(h, v);
      list_append(h, buf, rec);
      Py_DECREF(h, rec);
    }
    list_clear(h, buf); // the whole batch freed by refcount
  }
}

/** Workload D: the F_dict live set, then churn with the collector on and off, interleaved. */
export function runD(b: Bench, n: number, batch: number, ops: number, order: number): DResult {
  const gc = b.gc;
  const h = b.h;
  gc.collect();
  let t = now();
  const live = build_F_dict(b, n);
  const build_ns = (now() - t) * 1e6;
  t = now();
  const collect_returned = gc.collect();
  const collect_ns = (now() - t) * 1e6;
  const buf = list_new_empty(h, 0);
  churn(b, D_WARMUP_OPS, batch, buf);

  const st = { count: [0, 0, 0], ns: [0, 0, 0], max: [0, 0, 0], collected: [0, 0, 0] };
  let t0 = 0;
  const cb = (phase: "start" | "stop", info: { generation: number; collected: number }) => {
    if (phase === "start") {
      t0 = now();
    } else {
      const dt = (now() - t0) * 1e6;
      const g = info.generation;
      st.count[g]++;
      st.ns[g] += dt;
      st.collected[g] += info.collected;
      if (dt > st.max[g]) st.max[g] = dt;
    }
  };
  const chunk = Math.floor(ops / D_CHUNKS);
  gc.collect(); // live set -> generation 2, counters reset
  let enabled_ns = 0;
  let disabled_ns = 0;
  for (let k = 0; k < 2 * D_CHUNKS; k++) {
    const on = (k + order) % 2 === 0;
    if (on) {
      gc.callbacks.push(cb);
      gc.enable();
    }
    t = now();
    churn(b, chunk, batch, buf);
    const dt = (now() - t) * 1e6;
    gc.disable();
    if (on) {
      gc.callbacks.length = 0;
      enabled_ns += dt;
    } else {
      disabled_ns += dt;
    }
  }
  Py_DECREF(h, buf);
  const liveLen = h.i32[(live + 8) >> 2];
  Py_DECREF(h, live);
  return {
    workload: "D",
    N: n,
    batch,
    ops,
    objects: n,
    build_ns,
    collect_ns,
    collect_returned,
    enabled_ns,
    disabled_ns,
    ops_per_s_enabled: ops / (enabled_ns / 1e9),
    ops_per_s_disabled: ops / (disabled_ns / 1e9),
    gc_overhead_pct: (100 * (enabled_ns - disabled_ns)) / disabled_ns,
    gen_collections: st.count,
    gen_total_ns: st.ns,
    gen_max_ns: st.max,
    gen_collected: st.collected,
    live_still_reachable: liveLen,
  };
}

/** The child's whole job: one heap, a warm-up pass at a small N, then the measured pass. */
export async function runChild(spec: {
  backend: BackendVariant;
  w: string;
  n: number;
  batch?: number;
  ops?: number;
  order?: number;
  warm?: number;
}): Promise<GraphResult | DResult> {
  const b = await benchHeap(spec.backend);
  const warmN = Math.min(spec.n, spec.warm ?? 20_000);
  if (spec.w === "D") {
    if (warmN > 0) {
      runD(b, Math.min(warmN, 1000), spec.batch!, Math.min(spec.ops!, 400_000), 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    return runD(b, spec.n, spec.batch!, spec.ops!, spec.order ?? 0);
  }
  const w = spec.w as GraphWorkload;
  if (warmN > 0) {
    // enough passes for TurboFan to have compiled the build, the phases and the
    // deallocators (>= 3 passes, >= 200,000 objects), then a pause for its
    // background compile jobs to land
    const wt = w === "E" ? xorshift32_targets(warmN, 3) : null;
    const passes = Math.max(3, Math.ceil(200_000 / warmN));
    for (let i = 0; i < passes; i++) runGraph(b, w, warmN, wt);
    await new Promise((r) => setTimeout(r, 50));
  }
  const targets = w === "E" ? xorshift32_targets(spec.n, 3) : null;
  return runGraph(b, w, spec.n, targets);
}

/** The builders, for profiling scripts: each returns the root (owned) or 0. */
export const BUILDERS = {
  A: build_A,
  B: build_B,
  C: build_C,
  F_list: build_F_list,
  F_dict: build_F_dict,
  E: build_E,
};
