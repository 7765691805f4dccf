// finalize's atexit hook (what heap.close() runs first) against a real interpreter
// exit of python3, and sys.getsizeof of the weakref module's objects against
// Pyodide (CPython 3.11.3 on wasm32, the same 32-bit struct layouts).

import { describe, expect, it } from "vitest";
import { loadPyodide } from "pyodide";
import { PyError } from "../../src/heap/errors";
import type { Ref } from "../../src/heap/state";
import { sys_getsizeof } from "../../src/sys";
import { weakref_atexit } from "../../src/weakref/index";
import { BACKENDS, runPythonProgram, T } from "./_harness";

const EXIT_PY = `
import weakref
class A: pass
objs = [A() for i in range(4)]
def fin(name):
    print('fin', name)
    if name == 'b':
        weakref.finalize(objs[3], fin, 'new')
    if name == 'c':
        raise ValueError('boom')
fa = weakref.finalize(objs[0], fin, 'a')
fb = weakref.finalize(objs[1], fin, 'b')
fc = weakref.finalize(objs[2], fin, 'c')
fd = weakref.finalize(objs[2], fin, 'd')
fd.atexit = False
fe = weakref.finalize(objs[0], fin, 'e')
fe.detach()
print('end')
`;

describe.each(BACKENDS)("finalize at exit (%s)", (backend) => {
  it("runs the live atexit finalizers newest first, new ones next, then none", async () => {
    const expected = runPythonProgram(EXIT_PY);
    const t = await T.create(backend);
    const lines: string[] = [];
    const A = t.cls("A");
    const objs: Ref[] = [0, 1, 2, 3].map(() => t.new(A));
    let fin: Ref = 0;
    fin = t.fn("fin", (nameRef) => {
      const name = t.js(nameRef) as string;
      lines.push(`fin ${name}`);
      if (name === "b") {
        const nw = t.str("new");
        t.wr.finalize(objs[3], fin, nw); // the finalizer object itself is dropped, as in Python
        t.dec(nw);
      }
      if (name === "c") throw new PyError("ValueError", "boom");
    });
    const names = ["a", "b", "c", "d", "e"].map((n) => t.str(n));
    const fa = t.wr.finalize(objs[0], fin, names[0]);
    const fb = t.wr.finalize(objs[1], fin, names[1]);
    const fc = t.wr.finalize(objs[2], fin, names[2]);
    const fd = t.wr.finalize(objs[2], fin, names[3]);
    t.wr.setAtexit(fd, false);
    const fe = t.wr.finalize(objs[0], fin, names[4]);
    t.dec(t.wr.detach(fe));
    lines.push("end");
    weakref_atexit(t.h);
    expect(lines).toEqual(expected);
    expect(t.stderr[t.stderr.length - 1]).toBe("ValueError: boom");
    // after the hook nothing runs: neither a call nor the death of the object
    expect(t.take(t.call(fd))).toBe(null);
    t.dec(...objs);
    expect(lines).toEqual(expected);
    expect(t.wr.finalizeInfo(fd).alive).toBe(false);
    weakref_atexit(t.h); // idempotent
    t.dec(fa, fb, fc, fd, fe, fin, ...names, A);
  });
});

describe("sizes against Pyodide", () => {
  it("sys.getsizeof of ref, proxy, KeyedRef, WeakMethod, finalize and its _Info", async () => {
    const py = await loadPyodide({ env: { PYTHONHASHSEED: "0" } });
    const expected = JSON.parse(
      py.runPython(`
import weakref, sys, json
class A:
    def m(self): pass
a = A()
def f(): pass
fz = weakref.finalize(a, f)
info = weakref.finalize._registry[fz]
json.dumps([sys.getsizeof(weakref.ref(a)), sys.getsizeof(weakref.ref(a, f)), sys.getsizeof(weakref.proxy(a)),
            sys.getsizeof(weakref.proxy(f)), sys.getsizeof(weakref.KeyedRef(a, f, 1)),
            sys.getsizeof(weakref.WeakMethod(a.m)), sys.getsizeof(fz), sys.getsizeof(info)])
`),
    );
    const t = await T.create("ts");
    const A = t.cls("A", { methods: { m: () => undefined } });
    const a = t.new(A);
    const f = t.fn("f", () => undefined);
    const m = t.get(a, "m");
    const one = t.int(1);
    const objs = [t.wr.ref(a), t.wr.ref(a, f), t.wr.proxy(a), t.wr.proxy(f), t.call(t.wr.KeyedRef, a, f, one), t.wr.WeakMethod(m)];
    const fz = t.wr.finalize(a, f);
    const info = t.getitem(t.h.wr.registry, fz);
    const got = [...objs, fz, info].map((o) => sys_getsizeof(t.h, o));
    expect(got).toEqual(expected);
    t.dec(...objs, fz, info, m, a, f, A);
  });
});
