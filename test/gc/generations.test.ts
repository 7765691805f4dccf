// Generations, counts, thresholds and automatic collection against python3:
// promotion by collect(0/1/2), get_count(), the allocation at which automatic
// collections start and which generation each one collects (the long-lived rule
// included), callbacks and stats, dict tracking rules, freeze.

import { describe, expect, it } from "vitest";
import { dict_delitem, dict_setitem } from "../../src/heap/dict";
import { list_new_empty } from "../../src/heap/list";
import { PyError } from "../../src/heap/errors";
import { createHeap } from "../../src/index";
import { BACKENDS, run_python, withHeap, type T } from "./_heap";

const PY_PRELUDE = `
import gc, json, sys
gc.disable()
gc.collect()
out = {}
def in_gen(o, g):
    return any(x is o for x in gc.get_objects(g))
`;

function inGen(t: T, o: number, g: number): boolean {
  const l = t.gc.get_objects(g);
  const r = t.items(l).includes(o);
  t.decref(l);
  return r;
}

describe.each(BACKENDS)("generations (%s)", (backend) => {
  it("promotion by collect(0), collect(1), collect(2) and the counts after each", async () => {
    const want = run_python(`${PY_PRELUDE}
a = []; a.append(a)
out['g0'] = [in_gen(a, g) for g in range(3)]
gc.collect(0); out['c0'] = list(gc.get_count())[1:]; out['g_after0'] = [in_gen(a, g) for g in range(3)]
b = []; b.append(b)
gc.collect(0); out['c00'] = list(gc.get_count())[1:]
gc.collect(1); out['c1'] = list(gc.get_count())[1:]; out['g_after1'] = [in_gen(a, g) for g in range(3)] + [in_gen(b, g) for g in range(3)]
gc.collect(2); out['c2'] = list(gc.get_count())[1:]; out['g_after2'] = [in_gen(a, g) for g in range(3)]
gc.collect(0); gc.collect(0); gc.collect(1); gc.collect(0)
out['c3'] = list(gc.get_count())[1:]
del a[:], b[:]
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const out: Record<string, unknown> = {};
      const a = t.list();
      t.append(a, a);
      const gens = (o: number) => [0, 1, 2].map((g) => inGen(t, o, g));
      out.g0 = gens(a);
      t.gc.collect(0);
      out.c0 = t.gc.get_count().slice(1);
      out.g_after0 = gens(a);
      const b = t.list();
      t.append(b, b);
      t.gc.collect(0);
      out.c00 = t.gc.get_count().slice(1);
      t.gc.collect(1);
      out.c1 = t.gc.get_count().slice(1);
      out.g_after1 = [...gens(a), ...gens(b)];
      t.gc.collect(2);
      out.c2 = t.gc.get_count().slice(1);
      out.g_after2 = gens(a);
      t.gc.collect(0);
      t.gc.collect(0);
      t.gc.collect(1);
      t.gc.collect(0);
      out.c3 = t.gc.get_count().slice(1);
      t.decref(a, b);
      return out;
    });
    expect(got).toEqual(want);
  });

  it("count0 counts GC allocations minus deallocations, floored at 0; free lists bypass it", async () => {
    const want = run_python(`${PY_PRELUDE}
gc.collect(0)
c = []
c.append(gc.get_count()[0])
keep = [[] for _ in range(10)]
c.append(gc.get_count()[0])
del keep
c.append(gc.get_count()[0])
keep = [[] for _ in range(10)]   # 80-list free list: reused, not counted
c.append(gc.get_count()[0])
out['c'] = c
print(json.dumps(out))`);
    // The Python side counts its own helpers: the get_count() tuple (a 3-tuple,
    // fresh once, then from the free list), the list comprehension's function
    // object (allocated, freed), `keep` and the 10 lists. The TS side replays the
    // same GC allocations.
    const got = await withHeap(backend, (t) => {
      t.gc.collect(0);
      const c: number[] = [];
      const cList = t.list(); // \`c = []\`
      // gc.get_count()'s tuple: first call allocates a 3-tuple (kept on the free list after)
      c.push(t.gc.get_count()[0]);
      t.decref(t.tuple(t.None, t.None, t.None));
      // [[] for _ in range(10)]: function object, result list, 10 lists; the function dies
      const mk = () => {
        const f = t.fn(() => undefined, "<listcomp>");
        const keep = list_new_empty(t.h, 0);
        for (let i = 0; i < 10; i++) {
          const l = t.list();
          t.append(keep, l);
          t.decref(l);
        }
        t.decref(f);
        return keep;
      };
      let keep = mk();
      c.push(t.gc.get_count()[0]);
      t.decref(keep);
      c.push(t.gc.get_count()[0]);
      keep = mk();
      c.push(t.gc.get_count()[0]);
      t.decref(keep, cList);
      return { c };
    });
    expect(got).toEqual(want);
  });

  const triggerPy = (t0: number, t1: number, t2: number, n: number, longLived: number) => `${PY_PRELUDE}
events = []
keep = []
def cb(phase, info):
    if phase == 'start':
        events.append([len(keep), info['generation']])
gc.collect()
gc.freeze()
gc.set_threshold(${t0}, ${t1}, ${t2})
old = [[] for _ in range(${longLived})] if ${longLived} else None
s0 = [s['collections'] for s in gc.get_stats()]
gc.collect()
gc.collect(0)
gc.callbacks.append(cb)
gc.enable()
for i in range(${n}):
    keep.append([])
gc.disable()
gc.callbacks.remove(cb)
gc.unfreeze()
first2 = next((i for i, e in enumerate(events) if e[1] == 2), len(events) - 1)
out['at'] = events[:first2 + 1]
out['gens'] = [e[1] for e in events]
out['stats'] = [s['collections'] - s0[i] for i, s in enumerate(gc.get_stats())]
print(json.dumps(out))`;

  // A full collection clears the free lists, after which CPython's "stop" callback
  // allocates its info dict afresh (count0 = 1 afterwards); our callbacks get a JS
  // object. Allocation indices are compared up to the first full collection, the
  // sequence of generations throughout.
  async function triggerTs(t0: number, t1: number, t2: number, n: number, longLived: number) {
    return withHeap(backend, (t) => {
      const events: number[][] = [];
      const keep = list_new_empty(t.h, 0);
      let kept = 0;
      const cb = (phase: string, info: { generation: number }) => {
        if (phase === "start") events.push([kept, info.generation]);
      };
      t.gc.collect();
      t.gc.freeze();
      t.gc.set_threshold(t0, t1, t2);
      let old = 0;
      if (longLived) {
        old = list_new_empty(t.h, 0);
        for (let i = 0; i < longLived; i++) {
          const l = t.list();
          t.append(old, l);
          t.decref(l);
        }
      }
      const s0 = t.gc.get_stats().map((s) => s.collections);
      t.gc.collect();
      t.gc.collect(0);
      t.gc.callbacks.push(cb);
      t.gc.enable();
      for (let i = 0; i < n; i++) {
        const l = t.list();
        t.append(keep, l);
        kept++;
        t.decref(l);
      }
      t.gc.disable();
      t.gc.callbacks.length = 0;
      t.gc.unfreeze();
      const out: Record<string, unknown> = {};
      let first2 = events.findIndex((e) => e[1] === 2);
      if (first2 < 0) first2 = events.length - 1;
      out.at = events.slice(0, first2 + 1);
      out.gens = events.map((e) => e[1]);
      out.stats = t.gc.get_stats().map((s, i) => s.collections - s0[i]);
      t.decref(keep);
      if (old) t.decref(old);
      t.gc.set_threshold(700, 10, 10);
      return out;
    });
  }

  it("automatic collection: thresholds (700, 10, 10)", async () => {
    const want = run_python<{ stats: number[] }>(triggerPy(700, 10, 10, 100000, 0));
    const got = await triggerTs(700, 10, 10, 100000, 0);
    expect(got).toEqual(want);
  });

  it("automatic collection: small thresholds (50, 3, 1000000) and (20, 0, 0)", async () => {
    expect(await triggerTs(50, 3, 1000000, 2000, 0)).toEqual(run_python(triggerPy(50, 3, 1000000, 2000, 0)));
    expect(await triggerTs(20, 0, 0, 300, 0)).toEqual(run_python(triggerPy(20, 0, 0, 300, 0)));
  });

  it("automatic collection: the long-lived rule postpones full collections", async () => {
    expect(await triggerTs(100, 2, 2, 12000, 4000)).toEqual(run_python(triggerPy(100, 2, 2, 12000, 4000)));
  });

  it("no automatic collection while disabled, with threshold0 = 0, or inside a collection", async () => {
    const got = await withHeap(backend, (t) => {
      let starts = 0;
      t.gc.callbacks.push(() => void starts++);
      const keep = list_new_empty(t.h, 0);
      const add = (n: number) => {
        for (let i = 0; i < n; i++) {
          const l = t.list();
          t.append(keep, l);
          t.decref(l);
        }
      };
      t.gc.disable();
      add(2000);
      const disabled = starts;
      t.gc.enable();
      t.gc.set_threshold(0);
      add(2000);
      const zero = starts;
      t.gc.set_threshold(700);
      // a finalizer that allocates a lot while the collector runs
      const D = t.cls("D", { del: () => add(1500) });
      const d = t.new_(D);
      t.setattr(d, "me", d);
      t.decref(d);
      starts = 0;
      const n = t.gc.collect(0);
      const during = starts;
      t.gc.disable();
      t.decref(keep, D);
      return { disabled, zero, n, during };
    });
    // the explicit collection runs its callbacks (start + stop) and nothing nests
    expect(got).toEqual({ disabled: 0, zero: 0, n: 1, during: 2 });
  });

  it("callbacks: phases, info, a raising callback goes to the unraisable hook and the others still run", async () => {
    const want = run_python(`${PY_PRELUDE}
log = []
unr = []
sys.unraisablehook = lambda u: unr.append([type(u.exc_value).__name__, str(u.exc_value)])
def cb1(phase, info): log.append(['cb1', phase, info['generation'], info['collected'], info['uncollectable']])
def cb2(phase, info): raise ValueError('boom ' + phase)
def cb3(phase, info): log.append(['cb3', phase, sorted(info)])
s0 = gc.get_stats()
l = []; l.append(l); del l
gc.callbacks.extend([cb1, cb2, cb3])
out['n'] = gc.collect(1)
gc.callbacks.clear()
out['log'] = log
out['unr'] = unr
s1 = gc.get_stats()
out['stats'] = [[s1[i][k] - s0[i][k] for k in ('collections', 'collected', 'uncollectable')] for i in range(3)]
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const log: unknown[] = [];
      const s0 = t.gc.get_stats();
      const l = t.list();
      t.append(l, l);
      t.decref(l);
      t.gc.callbacks.push(
        (phase, info) => void log.push(["cb1", phase, info.generation, info.collected, info.uncollectable]),
        (phase) => {
          throw new PyError("ValueError", "boom " + phase);
        },
        (phase, info) => void log.push(["cb3", phase, Object.keys(info).sort()]),
      );
      const n = t.gc.collect(1);
      t.gc.callbacks.length = 0;
      const s1 = t.gc.get_stats();
      return {
        n,
        log,
        unr: t.unraisable.map((u) => [u.type, u.message]),
        stats: s1.map((s, i) => [
          s.collections - s0[i].collections,
          s.collected - s0[i].collected,
          s.uncollectable - s0[i].uncollectable,
        ]),
      };
    });
    expect(got).toEqual(want);
  });

  it("a failing callback is reported as PyErr_WriteUnraisable(cb) does: 'Exception ignored in: <the callback>'", async () => {
    // python3: gc.callbacks = [cb2, 5] prints, per phase,
    //   Exception ignored in: <function cb2 at 0x...> / Traceback ... / ValueError: boom start
    //   Exception ignored in: 5 / ... / TypeError: 'int' object is not callable
    const lines: string[] = [];
    const heap = await createHeap({ backend, stderr: (l) => lines.push(l) });
    const blocks = heap.sys.getallocatedblocks();
    function cb2(phase: string): void {
      throw new PyError("ValueError", "boom " + phase);
    }
    heap.gc.callbacks.push(cb2, 5 as never);
    heap.gc.collect();
    heap.gc.callbacks.length = 0;
    const heads = lines.filter((l) => l.startsWith("Exception ignored"));
    const errs = lines.filter((l) => /^[A-Z]\w+Error: /.test(l));
    expect(heads.map((l) => l.replace(/0x[0-9a-f]+/, "0x?"))).toEqual([
      "Exception ignored in: <function cb2 at 0x?>",
      "Exception ignored in: 5",
      "Exception ignored in: <function cb2 at 0x?>",
      "Exception ignored in: 5",
    ]);
    expect(errs).toEqual(["ValueError: boom start", "TypeError: 'int' object is not callable", "ValueError: boom stop", "TypeError: 'int' object is not callable"]);
    // the objects that named the callbacks are gone again
    heap.gc.collect();
    expect(heap.sys.getallocatedblocks()).toBe(blocks);
    heap.close();
  });

  it("dict tracking: created untracked, tracked by a tracked value, untracked again only by full collections", async () => {
    const want = run_python(`${PY_PRELUDE}
x = 1000
d = {}; r = [gc.is_tracked(d)]
d['a'] = x; r.append(gc.is_tracked(d))
d['b'] = []; r.append(gc.is_tracked(d))
del d['b']; r.append(gc.is_tracked(d))
gc.collect(0); r.append(gc.is_tracked(d))
gc.collect(1); r.append(gc.is_tracked(d))
gc.collect(); r.append(gc.is_tracked(d))
e = {'k': []}; gc.collect(); r.append(gc.is_tracked(e))
f = {(x,): x}; r.append(gc.is_tracked(f))
gc.collect(); r.append(gc.is_tracked(f))
out['r'] = r
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      const x = t.int(1000);
      const r: boolean[] = [];
      const d = t.dict([]);
      r.push(t.gc.is_tracked(d));
      const ka = t.str("a");
      const kb = t.str("b");
      dict_setitem(t.h, d, ka, x);
      r.push(t.gc.is_tracked(d));
      const l = t.list();
      dict_setitem(t.h, d, kb, l);
      t.decref(l);
      r.push(t.gc.is_tracked(d));
      dict_delitem(t.h, d, kb);
      r.push(t.gc.is_tracked(d));
      t.gc.collect(0);
      r.push(t.gc.is_tracked(d));
      t.gc.collect(1);
      r.push(t.gc.is_tracked(d));
      t.gc.collect();
      r.push(t.gc.is_tracked(d));
      const kk = t.str("k");
      const l2 = t.list();
      const e = t.dict([[kk, l2]]);
      t.decref(l2);
      t.gc.collect();
      r.push(t.gc.is_tracked(e));
      const key = t.tuple(x);
      const f = t.dict([[key, x]]);
      t.decref(key);
      r.push(t.gc.is_tracked(f));
      t.gc.collect();
      r.push(t.gc.is_tracked(f));
      t.decref(d, e, f, ka, kb, kk, x);
      return { r };
    });
    expect(got).toEqual(want);
  });

  it("freeze, unfreeze, get_freeze_count", async () => {
    const want = run_python(`${PY_PRELUDE}
gc.collect(0)
gc.freeze(); f0 = gc.get_freeze_count()
a = []; b = [a]; c = {'a': a}
gc.collect(0); gc.collect(0)
b1, b2 = gc.get_count()[1:]
gc.freeze()
f1 = gc.get_freeze_count()
c0, c1, c2 = gc.get_count()
out['before'] = [b1, b2]
out['delta'] = f1 - f0
out['count'] = [c0, c1, c2]
out['frozen_in_gens'] = [in_gen(a, g) for g in range(3)]
a.append(a); del a, b, c
out['n'] = gc.collect()
gc.unfreeze()
out['after'] = gc.get_freeze_count()
out['n2'] = gc.collect()
print(json.dumps(out))`);
    const got = await withHeap(backend, (t) => {
      t.gc.collect(0);
      t.gc.freeze();
      const f0 = t.gc.get_freeze_count();
      const a = t.list();
      const b = t.list(a);
      const k = t.str("a");
      const c = t.dict([[k, a]]);
      t.decref(k);
      t.gc.collect(0);
      t.gc.collect(0);
      const before = t.gc.get_count().slice(1);
      t.gc.freeze();
      const out: Record<string, unknown> = { before };
      out.delta = t.gc.get_freeze_count() - f0;
      out.count = t.gc.get_count();
      out.frozen_in_gens = [0, 1, 2].map((g) => inGen(t, a, g));
      t.append(a, a);
      t.decref(a, b, c);
      out.n = t.gc.collect();
      t.gc.unfreeze();
      out.after = t.gc.get_freeze_count();
      out.n2 = t.gc.collect();
      return out;
    });
    expect(got).toEqual(want);
  });
});
