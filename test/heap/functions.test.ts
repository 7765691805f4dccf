// Attributes of functions, bound methods and builtin methods (src/heap/funcattrs.ts),
// against python3: __name__, __qualname__, __module__, __doc__, __dict__ and the
// function's own attributes, __func__ / __self__ of bound methods (the rest delegated to
// the function), list.append's __name__ / __qualname__ / __self__ / __module__, and
// the errors of assigning or deleting them.

import { describe, expect, it } from "vitest";
import { PyError, type Heap, type Ref } from "../../src/index";
import { BACKENDS, python3Json, withHeap } from "../helpers";

/** what a call gives, as python3 would print it: repr of the value, or "Type: message" (inside a heap.scope, which releases the value) */
function outcome(heap: Heap, f: () => Ref | void): string {
  try {
    const r = f();
    if (r === undefined) return "ok";
    return heap.repr(r).replace(/ at 0x[0-9a-f]+/g, "");
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
    return `${e.pytype}: ${e.message}`;
  }
}

const PY = `
import json
class C:
    def m(self): pass
def f(): pass
f.__module__ = '__main__'
c = C()
l = []
out = []
OK = object()
def o(thunk):
    try:
        r = thunk()
        out.append('ok' if r is OK else repr(r).split(' at 0x')[0] + ('>' if ' at 0x' in repr(r) else ''))
    except Exception as e:
        out.append(type(e).__name__ + ': ' + str(e))
o(lambda: f.__name__); o(lambda: f.__qualname__); o(lambda: f.__module__); o(lambda: f.__doc__)
o(lambda: f.__dict__); o(lambda: (setattr(f, 'x', 1), OK)[1]); o(lambda: f.x); o(lambda: f.__dict__)
o(lambda: f.nope); o(lambda: (delattr(f, 'x'), OK)[1]); o(lambda: (delattr(f, 'x'), OK)[1]); o(lambda: f.__dict__)
o(lambda: (setattr(f, '__name__', 5), OK)[1]); o(lambda: (delattr(f, '__name__'), OK)[1]); o(lambda: (setattr(f, '__name__', 'g'), OK)[1])
o(lambda: f.__name__); o(lambda: f.__qualname__); o(lambda: (setattr(f, '__qualname__', 'q.g'), OK)[1]); o(lambda: f.__qualname__)
o(lambda: (setattr(f, '__dict__', 5), OK)[1]); o(lambda: (delattr(f, '__dict__'), OK)[1]); o(lambda: (setattr(f, '__dict__', {'y': 2}), OK)[1]); o(lambda: f.y)
o(lambda: (setattr(f, '__module__', None), OK)[1]); o(lambda: f.__module__); o(lambda: (delattr(f, '__module__'), OK)[1]); o(lambda: f.__module__)
o(lambda: c.m.__name__); o(lambda: c.m.__qualname__); o(lambda: c.m.__module__); o(lambda: c.m.__func__)
o(lambda: c.m.__self__ is c); o(lambda: c.m.nope); o(lambda: (setattr(c.m, 'x', 1), OK)[1]); o(lambda: c.m.__class__)
o(lambda: l.append.__name__); o(lambda: l.append.__qualname__); o(lambda: l.append.__self__ is l); o(lambda: l.append.__module__)
o(lambda: l.append.nope); o(lambda: (setattr(l.append, 'x', 1), OK)[1])
print(json.dumps(out))
`;

describe.each(BACKENDS)("function and method attributes vs python3 (%s)", (backend) => {
  it("gives python3's values and errors", () =>
    withHeap(backend, (heap) => {
      const want = python3Json<string[]>(PY);
      const C = heap.defineClass("C", { methods: { m: () => undefined } });
      const c = heap.new(C);
      const l = heap.list();
      const f = heap.function(() => undefined, "f");
      const got: string[] = [];
      const o = (thunk: () => Ref | void | boolean) =>
        got.push(
          outcome(heap, () => {
            const r = thunk();
            if (typeof r === "boolean") return heap.bool(r);
            return r;
          }),
        );
      const s = (v: string) => heap.str(v);
      heap.scope(() => {
        heap.setattr(f, "__module__", s("__main__"));
        const m = () => heap.getattr(c, "m");
        const ap = () => heap.getattr(l, "append");
        o(() => heap.getattr(f, "__name__")); o(() => heap.getattr(f, "__qualname__")); o(() => heap.getattr(f, "__module__")); o(() => heap.getattr(f, "__doc__"));
        o(() => heap.getattr(f, "__dict__")); o(() => heap.setattr(f, "x", heap.int(1))); o(() => heap.getattr(f, "x")); o(() => heap.getattr(f, "__dict__"));
        o(() => heap.getattr(f, "nope")); o(() => heap.delattr(f, "x")); o(() => heap.delattr(f, "x")); o(() => heap.getattr(f, "__dict__"));
        o(() => heap.setattr(f, "__name__", heap.int(5))); o(() => heap.delattr(f, "__name__")); o(() => heap.setattr(f, "__name__", s("g")));
        o(() => heap.getattr(f, "__name__")); o(() => heap.getattr(f, "__qualname__")); o(() => heap.setattr(f, "__qualname__", s("q.g"))); o(() => heap.getattr(f, "__qualname__"));
        o(() => heap.setattr(f, "__dict__", heap.int(5))); o(() => heap.delattr(f, "__dict__")); o(() => heap.setattr(f, "__dict__", heap.dict([[s("y"), heap.int(2)]]))); o(() => heap.getattr(f, "y"));
        o(() => heap.setattr(f, "__module__", heap.None)); o(() => heap.getattr(f, "__module__")); o(() => heap.delattr(f, "__module__")); o(() => heap.getattr(f, "__module__"));
        o(() => heap.getattr(m(), "__name__")); o(() => heap.getattr(m(), "__qualname__")); o(() => heap.getattr(m(), "__module__")); o(() => heap.getattr(m(), "__func__"));
        o(() => heap.getattr(m(), "__self__") === c); o(() => heap.getattr(m(), "nope")); o(() => heap.setattr(m(), "x", heap.int(1))); o(() => heap.getattr(m(), "__class__"));
        o(() => heap.getattr(ap(), "__name__")); o(() => heap.getattr(ap(), "__qualname__")); o(() => heap.getattr(ap(), "__self__") === l); o(() => heap.getattr(ap(), "__module__"));
        o(() => heap.getattr(ap(), "nope")); o(() => heap.setattr(ap(), "x", heap.int(1)));
      });
      expect(got).toEqual(want);
      for (const r of [C, c, l, f]) heap.decref(r);
    }));
});
