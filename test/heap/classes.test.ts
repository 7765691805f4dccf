// Classes made by defineClass (issue 3, item 2) against python3:
// - methods, bound methods (a new one per getattr), keyword arguments, class attributes
//   set later, inheritance from a class Ref, isinstance/type/typeName
// - special methods __eq__ __hash__ __len__ __getitem__ __setitem__ __delitem__ __iter__
//   __next__ __bool__ __repr__ __str__ __call__ __contains__ __getattr__ (only after
//   normal lookup fails), compared with the same Python class
// - __slots__: members, no __dict__, "__weakref__" and "__dict__" in slots, inheritance
// - builtin bases list/dict/set/frozenset/str/int/tuple/bytes/float: behaviour of the
//   base, attributes on the instance, memory released (pymalloc check after each)
// - del (PEP 442: once per object, may resurrect), legacyDel (every time, may
//   resurrect), gc: false (no GC head, a __dict__ slot), unraisablehook's default text
//   for an exception in __del__ against python3's stderr

import { describe, expect, it } from "vitest";
import { PyError, type Heap, type Ref } from "../../src/index";
import { BACKENDS, python3Json, python3Run, stderrSink, withHeap } from "../helpers";

const mask = (s: string) => s.replace(/0x[0-9a-f]+/g, "0x?");

/** Python's Box and its iterator, the reference for the special-methods test. */
const BOX_PY = `
class Box:
    def __init__(self, *items): self.items = list(items)
    def __len__(self): return len(self.items)
    def __getitem__(self, i): return self.items[i]
    def __setitem__(self, i, v): self.items[i] = v
    def __delitem__(self, i): del self.items[i]
    def __contains__(self, x): return x in self.items
    def __iter__(self): return BoxIter(self)
    def __bool__(self): return len(self.items) > 1
    def __repr__(self): return 'Box(%d)' % len(self.items)
    def __str__(self): return 'a box'
    def __call__(self, x, y=None): return [x, y]
    def __getattr__(self, name): return 'missing ' + name
    def __eq__(self, o): return isinstance(o, Box) and len(o.items) == len(self.items)
    def __hash__(self): return len(self.items)
class BoxIter:
    def __init__(self, box): self.box = box; self.i = 0
    def __iter__(self): return self
    def __next__(self):
        if self.i >= len(self.box.items): raise StopIteration
        v = self.box.items[self.i]; self.i += 1; return v
`;

function defineBox(heap: Heap): { Box: Ref; BoxIter: Ref } {
  const items = (self: Ref) => heap.getattr(self, "items");
  const BoxIter = heap.defineClass("BoxIter", {
    methods: {
      __init__: (self, box) => {
        heap.setattr(self, "box", box);
        heap.scope(() => heap.setattr(self, "i", heap.int(0)));
      },
      __iter__: (self) => heap.incref(self),
      __next__: (self) =>
        heap.scope(() => {
          const its = heap.getattr(heap.getattr(self, "box"), "items");
          const i = heap.toJS(heap.getattr(self, "i")) as number;
          if (i >= heap.len(its)) throw new PyError("StopIteration", "");
          heap.setattr(self, "i", heap.int(i + 1));
          return heap.getitem(its, i);
        }),
    },
  });
  const Box = heap.defineClass("Box", {
    methods: {
      __init__: (self, ...xs) => heap.scope(() => heap.setattr(self, "items", heap.list(xs))),
      __len__: (self) => heap.scope(() => heap.int(heap.len(items(self)))),
      __getitem__: (self, i) => heap.scope(() => heap.getitem(items(self), i)),
      __setitem__: (self, i, v) => heap.scope(() => heap.setitem(items(self), i, v)),
      __delitem__: (self, i) => heap.scope(() => heap.delitem(items(self), i)),
      __contains__: (self, x) => heap.scope(() => heap.bool(heap.contains(items(self), x))),
      __iter__: (self) => heap.new(BoxIter, self),
      __bool__: (self) => heap.scope(() => heap.bool(heap.len(items(self)) > 1)),
      __repr__: (self) => heap.scope(() => heap.str(`Box(${heap.len(items(self))})`)),
      __str__: () => heap.str("a box"),
      __call__: (self, x, y) => heap.list([x, y ?? heap.None]),
      __getattr__: (self, name) => heap.str(`missing ${heap.toJS(name)}`),
      __eq__: (self, o) => heap.scope(() => heap.bool(heap.isinstance(o, Box) && heap.len(items(o)) === heap.len(items(self)))),
      __hash__: (self) => heap.scope(() => heap.int(heap.len(items(self)))),
    },
  });
  return { Box, BoxIter };
}

describe.each(BACKENDS)("classes vs python3 (%s)", (backend) => {
  it("implements special methods as the same Python class does", () =>
    withHeap(backend, (heap, leak) => {
      const { Box } = defineBox(heap);
      const py = python3Json<unknown[]>(`${BOX_PY}
import json
b = Box(7, 8, 9)
r = [len(b), b[1], b[-1], 8 in b, 1 in b, list(b), bool(b), bool(Box(1)), repr(b), str(b), b(3), b(3, 4), b.foo, list(b.items),
     b == Box(1, 2, 3), b != Box(1), b == 5, hash(b), {b: 'v'}[Box(4, 5, 6)], repr([b]), str([b]), list(iter(b)), sorted(set([b, Box(0, 0, 0)]), key=repr) == [b]]
b[0] = 'x'; del b[1]
r.append(repr(b.items))
print(json.dumps(r))`);
      const run = () => heap.scope(() => {
        const i = (v: number) => heap.int(v);
        const b = heap.new(Box, i(7), i(8), i(9));
        const d = heap.dict([[b, heap.str("v")]]);
        const s = heap.set([b, heap.new(Box, i(0), i(0), i(0))]);
        const r: unknown[] = [
          heap.len(b),
          heap.toJS(heap.getitem(b, i(1))),
          heap.toJS(heap.getitem(b, i(-1))),
          heap.contains(b, i(8)),
          heap.contains(b, i(1)),
          heap.toJS(heap.new(heap.types.list, b)),
          heap.truth(b),
          heap.truth(heap.new(Box, i(1))),
          heap.repr(b),
          heap.toString(b),
          heap.toJS(heap.call(b, i(3))),
          heap.toJS(heap.call(b, i(3), i(4))),
          heap.toJS(heap.getattr(b, "foo")),
          heap.toJS(heap.getattr(b, "items")),
          heap.eq(b, heap.new(Box, i(1), i(2), i(3))),
          heap.compare(b, heap.new(Box, i(1)), "!="),
          heap.eq(b, i(5)),
          heap.hash(b),
          heap.toJS(heap.getitem(d, heap.new(Box, i(4), i(5), i(6)))),
          heap.repr(heap.list([b])),
          heap.toString(heap.list([b])),
          heap.toJS(heap.new(heap.types.list, heap.iter(b))),
          heap.len(s) === 1,
        ];
        heap.setitem(b, i(0), heap.str("x"));
        heap.delitem(b, i(1));
        r.push(heap.repr(heap.getattr(b, "items")));
        return r;
      });
      run(); // the classes' shared keys learn "items", "box", "i"
      leak.rebase();
      expect(run()).toEqual(py);
    }));

  it("binds methods freshly on each getattr, passes keyword arguments, sees class attributes set later", () =>
    withHeap(backend, (heap, leak) => {
      const A = heap.defineClass("A", {
        methods: {
          who: (self) => heap.str("A"),
          kw: (self, ...rest) => {
            const kwargs = rest[rest.length - 1] as unknown as Record<string, Ref>;
            return heap.list([rest[0], kwargs.y]);
          },
        },
      });
      const B = heap.defineClass("B", { base: A, methods: { who: (self) => heap.str("B") } });
      leak.rebase();
      const py = python3Json<unknown[]>(`
import json
class A:
    def who(self): return 'A'
    def kw(self, x, y=None): return [x, y]
class B(A):
    def who(self): return 'B'
a = A(); b = B()
m1 = a.who; m2 = a.who
r = [m1 is m2, m1 == m2, a.who(), b.who(), A.who(b), b.kw(1, y=2), isinstance(b, A), isinstance(a, B), type(b).__name__,
     type(b) is B, B.__mro__ == (B, A, object), B.__bases__ == (A,), B.__name__, B.__qualname__, B.__module__]
A.shared = 5
r += [a.shared, b.shared, hasattr(b, 'shared'), hasattr(b, 'nope')]
del A.shared
r += [hasattr(b, 'shared')]
print(json.dumps(r))`);
      const ours = heap.scope(() => {
        const a = heap.new(A);
        const b = heap.new(B);
        const m1 = heap.getattr(a, "who");
        const m2 = heap.getattr(a, "who");
        const mro = heap.getattr(B, "__mro__");
        const r: unknown[] = [
          m1 === m2,
          heap.eq(m1, m2),
          heap.toJS(heap.call(m1)),
          heap.toJS(heap.call(heap.getattr(b, "who"))),
          heap.toJS(heap.call(heap.getattr(A, "who"), b)),
          heap.toJS(heap.callKw(heap.getattr(b, "kw"), [heap.int(1)], { y: heap.int(2) })),
          heap.isinstance(b, A),
          heap.isinstance(a, B),
          heap.typeName(b),
          heap.type(b) === B,
          heap.eq(mro, heap.tuple([B, A, heap.types.object])),
          heap.eq(heap.getattr(B, "__bases__"), heap.tuple([A])),
          heap.toJS(heap.getattr(B, "__name__")),
          heap.toJS(heap.getattr(B, "__qualname__")),
          heap.toJS(heap.getattr(B, "__module__")),
        ];
        heap.setattr(A, "shared", heap.int(5));
        r.push(heap.toJS(heap.getattr(a, "shared")), heap.toJS(heap.getattr(b, "shared")), heap.hasattr(b, "shared"), heap.hasattr(b, "nope"));
        heap.delattr(A, "shared");
        r.push(heap.hasattr(b, "shared"));
        return r;
      });
      expect(ours).toEqual(py);
    }));

  it("a class's __dict__ is a mappingproxy of its namespace, as python3's", () =>
    withHeap(backend, (heap) => {
      const want = python3Json<unknown[]>(`
import json, gc, operator
class C:
    def m(self): pass
C.x = 1
p = C.__dict__
out = [type(p).__name__, len(p), 'x' in p, p['x'], list(p), p.get('zz'), type(p.copy()).__name__, p == dict(p), gc.is_tracked(p)]
for thunk in (lambda: p['zz'], lambda: operator.setitem(p, 'y', 1), lambda: operator.delitem(p, 'x'), lambda: hash(p), lambda: p.keys(1), lambda: p.get()):
    try:
        thunk(); out.append('no error')
    except Exception as e:
        out.append(type(e).__name__ + ': ' + str(e))
C.y = 2
out.append(list(p))
print(json.dumps(out))`);
      const got = heap.scope(() => {
        const C = heap.defineClass("C", { methods: { m: () => undefined } });
        heap.setattr(C, "x", heap.int(1));
        const p = heap.getattr(C, "__dict__");
        const call = (name: string, ...args: Ref[]) => heap.call(heap.getattr(p, name), ...args);
        const out: unknown[] = [
          heap.typeName(p),
          heap.len(p),
          heap.contains(p, heap.str("x")),
          heap.toJS(heap.getitem(p, heap.str("x"))),
          heap.toJS(heap.keys(p)),
          heap.toJS(call("get", heap.str("zz"))),
          heap.typeName(call("copy")),
          heap.eq(p, call("copy")),
          heap.gc.is_tracked(p),
        ];
        for (const thunk of [
          () => heap.getitem(p, heap.str("zz")),
          () => heap.setitem(p, heap.str("y"), heap.int(1)),
          () => heap.delitem(p, heap.str("x")),
          () => heap.hash(p),
          () => call("keys", heap.int(1)),
          () => call("get"),
        ]) {
          try {
            thunk();
            out.push("no error");
          } catch (e) {
            out.push(`${(e as PyError).pytype}: ${(e as PyError).message}`);
          }
        }
        // a view, not a copy: a later class attribute shows
        heap.setattr(C, "y", heap.int(2));
        out.push(heap.toJS(heap.keys(p)));
        return out;
      });
      expect(got).toEqual(want);
    }));

  it("supports __slots__ (members, no __dict__, __weakref__ and __dict__ slots, inheritance) as python3", () =>
    withHeap(backend, (heap, leak) => {
      const P = heap.defineClass("P", { slots: ["x", "y"] });
      const PW = heap.defineClass("PW", { slots: ["x", "__weakref__"] });
      const PD = heap.defineClass("PD", { slots: ["x", "__dict__"] });
      const Sub = heap.defineClass("Sub", { base: P });
      const Sub2 = heap.defineClass("Sub2", { base: P, slots: ["z"] });
      const py = python3Json<unknown[]>(`
import json
class P: __slots__ = ('x', 'y')
class PW: __slots__ = ('x', '__weakref__')
class PD: __slots__ = ('x', '__dict__')
class Sub(P): pass
class Sub2(P): __slots__ = ('z',)
def attempt(f):
    try: return f()
    except AttributeError as e: return 'AttributeError: ' + str(e)
p = P(); p.x = 1
r = [p.x, attempt(lambda: p.y), attempt(lambda: setattr(p, 'q', 1)), hasattr(p, '__dict__'), attempt(lambda: p.__weakref__)]
w = PW(); r += [w.__weakref__ is None, hasattr(w, '__dict__')]
d = PD(); d.x = 1; d.other = 2; r += [d.other, d.__dict__ == {'other': 2}]
s = Sub(); s.x = 3; s.free = 4; r += [s.x, s.free, hasattr(s, '__dict__')]
s2 = Sub2(); s2.z = 5; s2.x = 6; r += [s2.z, s2.x, attempt(lambda: setattr(s2, 'q', 1))]
del p.x; r += [attempt(lambda: p.x)]
print(json.dumps(r))`);
      // the first run stores the attribute names in the classes' shared keys (kept by
      // the classes, as CPython's): the leak check covers the second run
      const run = () => heap.scope(() => {
        const attempt = (f: () => unknown) => {
          try {
            return f();
          } catch (e) {
            if (!(e instanceof PyError) || e.pytype !== "AttributeError") throw e;
            return `AttributeError: ${e.message}`;
          }
        };
        const i = (v: number) => heap.int(v);
        const p = heap.new(P);
        heap.setattr(p, "x", i(1));
        const r: unknown[] = [
          heap.toJS(heap.getattr(p, "x")),
          attempt(() => heap.getattr(p, "y")),
          attempt(() => heap.setattr(p, "q", i(1))),
          heap.hasattr(p, "__dict__"),
          attempt(() => heap.getattr(p, "__weakref__")),
        ];
        const w = heap.new(PW);
        r.push(heap.getattr(w, "__weakref__") === heap.None, heap.hasattr(w, "__dict__"));
        const d = heap.new(PD);
        heap.setattr(d, "x", i(1));
        heap.setattr(d, "other", i(2));
        r.push(heap.toJS(heap.getattr(d, "other")), heap.eq(heap.getattr(d, "__dict__"), heap.from({ other: 2 })));
        const s = heap.new(Sub);
        heap.setattr(s, "x", i(3));
        heap.setattr(s, "free", i(4));
        r.push(heap.toJS(heap.getattr(s, "x")), heap.toJS(heap.getattr(s, "free")), heap.hasattr(s, "__dict__"));
        const s2 = heap.new(Sub2);
        heap.setattr(s2, "z", i(5));
        heap.setattr(s2, "x", i(6));
        r.push(heap.toJS(heap.getattr(s2, "z")), heap.toJS(heap.getattr(s2, "x")), attempt(() => heap.setattr(s2, "q", i(1))));
        heap.delattr(p, "x");
        r.push(attempt(() => heap.getattr(p, "x")));
        return r;
      });
      run();
      leak.rebase();
      expect(run()).toEqual(py);
    }));

  it("behaves as the builtin base for list/dict/set/frozenset/str/int/tuple subclasses, with attributes", () =>
    withHeap(backend, (heap, leak) => {
      const K: Record<string, Ref> = {};
      for (const b of ["list", "dict", "set", "frozenset", "str", "int", "tuple"]) K[b] = heap.defineClass(`My${b}`, { base: b });
      const py = python3Json<unknown[]>(`
import json
${["list", "dict", "set", "frozenset", "str", "int", "tuple"].map((b) => `class My${b}(${b}): pass`).join("\n")}
r = []
l = Mylist([1, 2]); l.append(3); l.tag = 'L'; r += [repr(l), len(l), l[2], isinstance(l, list), l.tag, l == [1, 2, 3]]
d = Mydict(); d['k'] = 1; d.tag = 'D'; r += [repr(d), d['k'], list(d.keys()), d.tag, d == {'k': 1}]
s = Myset([3]); s.add(4); s.tag = 'S'; r += [len(s), 4 in s, s.tag, s == {3, 4}]
f = Myfrozenset(); f.tag = 'F'; r += [len(f), f.tag, hash(f) == hash(frozenset())]
t = Mystr('abc'); t.tag = 'T'; r += [len(t), t == 'abc', hash(t) == hash('abc'), t.tag, t[1], isinstance(t, str)]
n = Myint(2**40); n.tag = 'N'; r += [n == 2**40, hash(n) == hash(2**40), n.tag, repr(n), bool(Myint(0))]
u = Mytuple((1, 'a')); u.tag = 'U'; r += [len(u), u[1], hash(u) == hash((1, 'a')), u.tag, u == (1, 'a')]
print(json.dumps(r))`);
      const run = () => heap.scope(() => {
        const i = (v: number | bigint) => heap.int(v);
        const s = (v: string) => heap.str(v);
        const r: unknown[] = [];
        const l = heap.new(K.list, heap.list([i(1), i(2)]));
        heap.append(l, i(3));
        heap.setattr(l, "tag", s("L"));
        r.push(heap.repr(l), heap.len(l), heap.toJS(heap.getitem(l, 2)), heap.isinstance(l, heap.types.list), heap.toJS(heap.getattr(l, "tag")), heap.eq(l, heap.from([1, 2, 3])));
        const d = heap.new(K.dict);
        heap.setitem(d, s("k"), i(1));
        heap.setattr(d, "tag", s("D"));
        r.push(heap.repr(d), heap.toJS(heap.getitem(d, s("k"))), heap.toJS(heap.keys(d)), heap.toJS(heap.getattr(d, "tag")), heap.eq(d, heap.from({ k: 1 })));
        const st = heap.new(K.set, heap.list([i(3)]));
        heap.add(st, i(4));
        heap.setattr(st, "tag", s("S"));
        r.push(heap.len(st), heap.contains(st, i(4)), heap.toJS(heap.getattr(st, "tag")), heap.eq(st, heap.set([i(3), i(4)])));
        const f = heap.new(K.frozenset);
        heap.setattr(f, "tag", s("F"));
        r.push(heap.len(f), heap.toJS(heap.getattr(f, "tag")), heap.hash(f) === heap.hash(heap.frozenset()));
        const t = heap.new(K.str, s("abc"));
        heap.setattr(t, "tag", s("T"));
        r.push(heap.len(t), heap.eq(t, s("abc")), heap.hash(t) === heap.hash(s("abc")), heap.toJS(heap.getattr(t, "tag")), heap.toJS(heap.getitem(t, i(1))), heap.isinstance(t, heap.types.str));
        const n = heap.new(K.int, i(2n ** 40n));
        heap.setattr(n, "tag", s("N"));
        r.push(heap.eq(n, i(2n ** 40n)), heap.hash(n) === heap.hash(i(2n ** 40n)), heap.toJS(heap.getattr(n, "tag")), heap.repr(n), heap.truth(heap.new(K.int, i(0))));
        const u = heap.new(K.tuple, heap.tuple([i(1), s("a")]));
        heap.setattr(u, "tag", s("U"));
        r.push(heap.len(u), heap.toJS(heap.getitem(u, i(1))), heap.hash(u) === heap.hash(heap.tuple([i(1), s("a")])), heap.toJS(heap.getattr(u, "tag")), heap.eq(u, heap.tuple([i(1), s("a")])));
        heap.mem.check();
        return r;
      });
      run(); // the first run stores "tag" in each class's shared keys
      leak.rebase();
      expect(run()).toEqual(py);
    }));

  it("a weak reference to a str subclass instance leaves its characters alone", () =>
    withHeap(backend, (heap, leak) => {
      const S = heap.defineClass("S", { base: "str" });
      leak.rebase();
      // the weakref list is at str's basicsize (40, after PyUnicodeObject); the characters
      // of a subclass instance are a separate block (they used to start at 24 and be overwritten)
      const wr = (heap as unknown as { weakref?: { ref(o: Ref): Ref } }).weakref;
      heap.scope(() => {
        const s = heap.new(S, heap.str("hello world"));
        if (wr !== undefined) wr.ref(s);
        expect(heap.toJS(s)).toBe("hello world");
        expect(wr).toBeDefined();
      });
    }));

  it("int/str/bytes subclass instances are tracked, so the collector frees their cycles", () =>
    withHeap(backend, (heap, leak) => {
      const I = heap.defineClass("I", { base: "int" });
      leak.rebase();
      // PyType_GenericAlloc tracks them: an instance whose __dict__ refers to itself is
      // found by the collector (withHeap's leak check runs a full collection)
      const o = heap.new(I, heap.int(5));
      heap.setattr(o, "me", o);
      heap.decref(o);
    }));

  it("instances of every builtin base are tracked and their self-cycles collected, as python3", () =>
    withHeap(backend, (heap, leak) => {
      const bases = ["int", "str", "bytes", "float", "tuple", "list", "dict", "set", "frozenset"] as const;
      const K = Object.fromEntries(bases.map((b) => [b, heap.defineClass(`X${b}`, { base: b as never })]));
      const args: Record<string, () => Ref[]> = {
        int: () => [heap.int(2n ** 70n)],
        str: () => [heap.str("a str é")],
        bytes: () => [heap.bytes(new Uint8Array([1, 2, 3]))],
        float: () => [heap.float(2.5)],
        tuple: () => [heap.tuple([heap.int(1), heap.str("x")])],
        list: () => [heap.list([heap.int(1)])],
        dict: () => [],
        set: () => [heap.list([heap.int(1)])],
        frozenset: () => [heap.list([heap.int(1)])],
      };
      const run = () =>
        bases.map((b) => {
          const o = heap.scope(() => heap.new(K[b], ...args[b]()));
          heap.setattr(o, "me", o);
          const t = heap.gc.is_tracked(o);
          heap.decref(o);
          return [t, heap.gc.collect()];
        });
      heap.gc.collect();
      run(); // the first run stores "me" in the shared keys of the classes with a managed dict
      leak.rebase();
      const py = python3Json<[boolean, number][]>(`
import gc, json
out = []
cases = [('int', 2**70), ('str', 'a str é'), ('bytes', b'\\x01\\x02\\x03'), ('float', 2.5), ('tuple', (1, 'x')), ('list', [1]), ('dict', None), ('set', [1]), ('frozenset', [1])]
ns = {}
for b, a in cases:
    exec('class X%s(%s): pass' % (b, b), ns)
gc.collect()
for b, a in cases:
    X = ns['X' + b]
    o = X() if a is None else X(a)
    o.me = o
    t = gc.is_tracked(o)
    del o
    out.append([t, gc.collect()])
print(json.dumps(out))`);
      expect(run()).toEqual(py);
    }));

  it("builtin_new: float and bytes subclasses make instances of the subclass", () =>
    withHeap(backend, (heap, leak) => {
      const F = heap.defineClass("F", { base: "float" as never });
      const B = heap.defineClass("B", { base: "bytes" });
      leak.rebase();
      heap.scope(() => expect(heap.typeName(heap.new(F, heap.float(1.5)))).toBe("F"));
      const py = python3Json<unknown[]>(`
import json
class F(float): pass
class B(bytes): pass
f = F(1.5); b = B(b'ab'); e = B()
print(json.dumps([type(f).__name__, repr(f), f == 1.5, hash(f) == hash(1.5), type(b).__name__, repr(b), len(b), b == b'ab', hash(b) == hash(b'ab'), repr(e), repr(B(3)), repr(B([104, 105])), repr(F('2.25')), repr(F())]))`);
      const ours = heap.scope(() => {
        const f = heap.new(F, heap.float(1.5));
        const b = heap.new(B, heap.bytes(new Uint8Array([97, 98])));
        const e = heap.new(B);
        return [
          heap.typeName(f),
          heap.repr(f),
          heap.eq(f, heap.float(1.5)),
          heap.hash(f) === heap.hash(heap.float(1.5)),
          heap.typeName(b),
          heap.repr(b),
          heap.len(b),
          heap.eq(b, heap.bytes(new Uint8Array([97, 98]))),
          heap.hash(b) === heap.hash(heap.bytes(new Uint8Array([97, 98]))),
          heap.repr(e),
          heap.repr(heap.new(B, heap.int(3))),
          heap.repr(heap.new(B, heap.list([heap.int(104), heap.int(105)]))),
          heap.repr(heap.new(F, heap.str("2.25"))),
          heap.repr(heap.new(F)),
        ];
      });
      expect(ours).toEqual(py);
    }));

  it("PyObject_GetIter: a class with only __getitem__ is iterable (sequence protocol)", () =>
    withHeap(backend, (heap, leak) => {
      const G = heap.defineClass("G", {
        methods: {
          __getitem__: (self, i) => {
            const n = heap.toJS(i) as number;
            if (n >= 3) throw new PyError("IndexError", "done");
            return heap.int(n * 10);
          },
        },
      });
      const S = heap.defineClass("S", {
        methods: {
          __getitem__: (self, i) => {
            if ((heap.toJS(i) as number) >= 2) throw new PyError("StopIteration");
            return heap.incref(i);
          },
        },
      });
      const E = heap.defineClass("E", {
        methods: {
          __getitem__: (self, i) => {
            if ((heap.toJS(i) as number) >= 1) throw new PyError("ValueError", "bad item");
            return heap.incref(i);
          },
        },
      });
      leak.rebase();
      // python3: list(G()) == [0, 10, 20]
      heap.scope(() => expect(heap.toJS(heap.new(heap.types.list, heap.new(G)))).toEqual([0, 10, 20]));
      const py = python3Json<unknown[]>(`
import json
class G:
    def __getitem__(self, i):
        if i >= 3: raise IndexError('done')
        return i * 10
class S:
    def __getitem__(self, i):
        if i >= 2: raise StopIteration
        return i
class E:
    def __getitem__(self, i):
        if i >= 1: raise ValueError('bad item')
        return i
def err(f):
    try: f(); return 'no error'
    except Exception as e: return type(e).__name__ + (': ' + str(e) if str(e) else '')
it = iter(G())
print(json.dumps([type(it).__name__, 20 in G(), 5 in G(), list(S()), err(lambda: list(E())), next(it), next(it), next(it), err(lambda: next(it)), err(lambda: next(it))]))`);
      const err = (f: () => unknown) => {
        try {
          f();
          return "no error";
        } catch (e) {
          return String(e);
        }
      };
      const ours = heap.scope(() => {
        const it = heap.iter(heap.new(G));
        const nx = () => {
          const v = heap.next(it);
          if (v === undefined) throw new PyError("StopIteration");
          return heap.toJS(v);
        };
        return [
          heap.typeName(it),
          heap.contains(heap.new(G), heap.int(20)),
          heap.contains(heap.new(G), heap.int(5)),
          heap.toJS(heap.new(heap.types.list, heap.new(S))),
          err(() => heap.new(heap.types.list, heap.new(E))),
          nx(),
          nx(),
          nx(),
          err(nx),
          err(nx),
        ];
      });
      expect(ours).toEqual(py);
    }));

  it("PyObject_GetIter: a class with only __next__ is not iterable", () =>
    withHeap(backend, (heap, leak) => {
      const N = heap.defineClass("N", { methods: { __next__: () => heap.int(1) } });
      leak.rebase();
      // python3: iter(N()) raises TypeError: 'N' object is not iterable
      heap.scope(() => expect(() => heap.iter(heap.new(N))).toThrow("'N' object is not iterable"));
    }));

  it("lays __slots__ out sorted and mangled (type_new), so gc.get_referents visits them as python3", () =>
    withHeap(backend, (heap, leak) => {
      const py = python3Json<unknown[]>(`
import gc, json
class S:
    __slots__ = ('zeta', 'alpha', 'mid', '__priv')
class L(list):
    __slots__ = ('b', 'a')
class F(float):
    __slots__ = ('y', 'x')
o = S(); o.zeta = 'z'; o.alpha = 'a'; o.mid = 'm'; o._S__priv = 'p'
l = L([1]); f = F(2.5)
out = [[x for x in gc.get_referents(o) if isinstance(x, str)], hasattr(l, 'a'), hasattr(l, 'b'), hasattr(f, 'x')]
l.b = 'B'; l.a = 'A'; f.x = 'X'; f.y = 'Y'
out += [[x for x in gc.get_referents(l) if isinstance(x, str)], [x for x in gc.get_referents(f) if isinstance(x, str)], l.a + l.b + f.x + f.y, list(l), f + 1]
def err(body, base='object'):
    try:
        exec('class C(%s):\\n    ' % base + body.replace(';', '\\n   '), {})
        return 'no error'
    except Exception as e:
        return type(e).__name__ + ': ' + str(e)
out += [err("__slots__ = ('m',); def m(self): pass"), err("__slots__ = ('__dict__', '__dict__')"), err("__slots__ = ('a b',)"),
        err("__slots__ = ('__module__',)"), err("__slots__ = ('a',)", 'int'), err("__slots__ = ('__dict__',)", 'tuple'),
        err("__slots__ = ('__weakref__',)", 'set'), err("__slots__ = ('__weakref__',)", 'bytes'), err("__slots__ = ()", 'bytes')]
print(json.dumps(out))`);
      const S = heap.defineClass("S", { slots: ["zeta", "alpha", "mid", "__priv"] });
      const L = heap.defineClass("L", { base: "list", slots: ["b", "a"] });
      const F = heap.defineClass("F", { base: "float" as never, slots: ["y", "x"] });
      leak.rebase();
      // (outside any heap.scope: heap.gc's results are not recorded by scopes)
      const strs = (o: Ref) => {
        const r = heap.gc.get_referents(o);
        const out: unknown[] = [];
        for (let i = 0; i < heap.len(r); i++) {
          const x = heap.getitem(r, i);
          if (heap.isinstance(x, heap.types.str)) out.push(heap.toJS(x));
          heap.decref(x);
        }
        heap.decref(r);
        return out;
      };
      const err = (spec: Parameters<Heap["defineClass"]>[1]) => {
        try {
          heap.decref(heap.defineClass("C", spec));
          return "no error";
        } catch (e) {
          return String(e);
        }
      };
      const o = heap.new(S);
      for (const [k, v] of [["zeta", "z"], ["alpha", "a"], ["mid", "m"], ["_S__priv", "p"]]) heap.scope(() => heap.setattr(o, k, heap.str(v)));
      const l = heap.scope(() => heap.new(L, heap.list([heap.int(1)])));
      const f = heap.scope(() => heap.new(F, heap.float(2.5)));
      const ours: unknown[] = [strs(o), heap.hasattr(l, "a"), heap.hasattr(l, "b"), heap.hasattr(f, "x")];
      heap.scope(() => {
        heap.setattr(l, "b", heap.str("B"));
        heap.setattr(l, "a", heap.str("A"));
        heap.setattr(f, "x", heap.str("X"));
        heap.setattr(f, "y", heap.str("Y"));
      });
      const cat = heap.scope(() => ["a", "b"].map((n) => heap.toJS(heap.getattr(l, n))).join("") + ["x", "y"].map((n) => heap.toJS(heap.getattr(f, n))).join(""));
      ours.push(strs(l), strs(f), cat, heap.toJS(l), (heap.toJS(f) as number) + 1);
      for (const r of [o, l, f]) heap.decref(r);
      heap.scope(() => {
        const m = () => undefined;
        const out = ours;
        out.push(
          err({ slots: ["m"], methods: { m } }),
          err({ slots: ["__dict__", "__dict__"] }),
          err({ slots: ["a b"] }),
          err({ slots: ["__module__"] }),
          err({ base: "int", slots: ["a"] }),
          err({ base: "tuple", slots: ["__dict__"] }),
          err({ base: "set", slots: ["__weakref__"] }),
          err({ base: "bytes", slots: ["__weakref__"] }),
          err({ base: "bytes", slots: [] }),
        );
      });
      heap.gc.collect();
      expect(ours).toEqual(py);
    }));
});

describe.each(BACKENDS)("finalizers (%s)", (backend) => {
  it("runs __del__ once per object (PEP 442), even after a resurrection, as python3", () =>
    withHeap(backend, (heap, leak) => {
      const log: string[] = [];
      let keep: Ref = 0;
      const D = heap.defineClass("D", { del: () => void log.push("del") });
      let count = 0;
      const R = heap.defineClass("R", {
        del: (self) => {
          count++;
          log.push(`R.del ${count}`);
          if (count === 1) heap.append(keep, self); // resurrect
        },
      });
      leak.rebase();
      keep = heap.list();
      const py = python3Json<string[]>(`
import json
log = []; keep = []
class D:
    def __del__(self): log.append('del')
class R:
    count = 0
    def __del__(self):
        R.count += 1
        log.append('R.del %d' % R.count)
        if R.count == 1: keep.append(self)
o = D(); del o
log.append('after D')
r = R(); del r
log.append('resurrected %d' % len(keep))
keep.clear()
log.append('cleared')
print(json.dumps(log))`);
      heap.decref(heap.new(D));
      log.push("after D");
      heap.decref(heap.new(R));
      log.push(`resurrected ${heap.len(keep)}`);
      heap.scope(() => heap.call(heap.getattr(keep, "clear")));
      log.push("cleared");
      expect(log).toEqual(py);
      heap.decref(keep);
    }));

  it("runs a legacyDel every time the count reaches zero, resurrection included", () =>
    withHeap(backend, (heap, leak) => {
      let runs = 0;
      let keep: Ref = 0;
      const L = heap.defineClass("L", {
        legacyDel: (self) => {
          runs++;
          if (runs === 1) heap.append(keep, self);
        },
      });
      leak.rebase();
      keep = heap.list();
      heap.decref(heap.new(L));
      expect(runs).toBe(1);
      expect(heap.len(keep)).toBe(1);
      heap.scope(() => heap.call(heap.getattr(keep, "clear")));
      expect(runs).toBe(2);
      heap.decref(keep);
    }));

  it("reports an exception in __del__ with CPython's unraisable text (first and last lines as python3)", () => {
    const sink = stderrSink();
    return withHeap(
      backend,
      (heap, leak) => {
        const D = heap.defineClass("D", {
          del: () => {
            throw new PyError("ValueError", "boom in del");
          },
        });
        leak.rebase();
        heap.decref(heap.new(D));
        const py = python3Run(`
class D:
    def __del__(self): raise ValueError('boom in del')
D()
`);
        expect(py.status).toBe(0);
        const theirs = py.stderr.trim().split("\n");
        expect(sink.lines.length).toBeGreaterThanOrEqual(2);
        expect(mask(sink.lines[0])).toBe(mask(theirs[0]));
        expect(sink.lines[sink.lines.length - 1]).toBe(theirs[theirs.length - 1]);
        if (sink.lines.length > 2) expect(sink.lines[1]).toBe("Traceback (most recent call last):");
        // an assigned hook receives the error and the object
        const seen: [string, string][] = [];
        heap.sys.unraisablehook = (err, obj) => void seen.push([String(err), obj ? mask(heap.repr(obj)) : ""]);
        heap.decref(heap.new(D));
        expect(seen).toEqual([["ValueError: boom in del", "<function D.__del__ at 0x?>"]]);
      },
      { stderr: sink.write },
    );
  });

  it("gives a gc: false class instances without a GC head, with a __dict__ slot", () =>
    withHeap(backend, (heap, leak) => {
      const N = heap.defineClass("N", { gc: false, methods: { __init__: (self, v) => heap.setattr(self, "v", v) } });
      const NS = heap.defineClass("NS", { gc: false, slots: ["a"] });
      const G = heap.defineClass("G");
      leak.rebase();
      heap.scope(() => {
        const n = heap.new(N, heap.int(3));
        const g = heap.new(G);
        expect(heap.toJS(heap.getattr(n, "v"))).toBe(3);
        // no pre-header: PyObject + __dict__ pointer + weakref list
        expect(heap.sys.getsizeof(n)).toBe(16);
        expect(heap.sys.getsizeof(g)).toBe(28);
        expect(heap.sys.getsizeof(heap.new(NS))).toBe(12);
        heap.setattr(n, "w", heap.str("x y"));
        expect(heap.toJS(heap.getattr(heap.getattr(n, "__dict__"), "keys") && heap.keys(heap.getattr(n, "__dict__")))).toEqual(["v", "w"]);
      });
    }));

  it("keeps the heap intact when a subclass of a GC base asks for gc: false (it stays GC)", () =>
    withHeap(backend, (heap, leak) => {
      const K: Ref[] = ["list", "dict", "set", "tuple", "frozenset"].map((b) => heap.defineClass(`N${b}`, { base: b, gc: false }));
      leak.rebase();
      for (const k of K) {
        heap.scope(() => {
          const o = heap.new(k);
          heap.setattr(o, "a", heap.str("attr value"));
          heap.mem.check();
        });
        heap.mem.check();
      }
    }));

  it("releases instances of every builtin base without damaging the allocator", () =>
    withHeap(backend, (heap, leak) => {
      const bases = ["int", "str", "tuple", "list", "dict", "set", "frozenset", "bytes"];
      const K = bases.map((b) => heap.defineClass(`K${b}`, { base: b }));
      const arg = (b: string) =>
        b === "int" ? heap.int(2n ** 65n) : b === "str" ? heap.str("some text é") : b === "bytes" ? heap.bytes(new Uint8Array([1, 2, 3])) : b === "dict" ? heap.from({ a: 1 }) : heap.list([heap.int(1), heap.str("two words")]);
      for (let round = 0; round < 3; round++) {
        if (round === 1) leak.rebase(); // after the classes' shared keys learnt "attr"
        bases.forEach((b, k) => {
          heap.scope(() => {
            const o = heap.new(K[k], arg(b));
            if (b !== "bytes") heap.setattr(o, "attr", heap.list([heap.int(1000 + k)]));
          });
          heap.mem.check();
        });
      }
    }));
});
