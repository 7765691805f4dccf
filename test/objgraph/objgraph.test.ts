// heap.objgraph against python3: type counts of the same objects (objgraph
// counts gc.get_objects() by type(o).__name__, so only tracked objects), growth
// deltas and the tables' exact text, the Graphviz DOT of show_refs /
// show_backrefs (objgraph's node and edge lines, labels, colours, quoting), and
// reference chains. objgraph itself is not installed here: Python computes the
// counts from gc.get_objects() the way objgraph does, and formats our numbers
// with objgraph's format strings.

import { describe, expect, it } from "vitest";
import { PyError } from "../../src/heap/errors";
import { FUNC_NAME } from "../../src/heap/layout";
import type { Ref } from "../../src/heap/state";
import type { Heap } from "../../src/index";
import { objgraph_module, type ObjgraphModule } from "../../src/objgraph/index";
import { BACKENDS, python3Json, withHeap } from "../helpers";

/** The objgraph module of a heap (until the facade exposes heap.objgraph). */
function objgraphOf(heap: Heap): ObjgraphModule {
  const og = (heap as unknown as { objgraph?: ObjgraphModule }).objgraph;
  return og ?? objgraph_module(heap.h, heap.gc);
}

/** The items of a heap list (borrowed: the list holds them). */
function items(heap: Heap, l: Ref): Ref[] {
  return Array.from({ length: heap.len(l) }, (_, i) => {
    const x = heap.getitem(l, i);
    heap.decref(x);
    return x;
  });
}

/** The DOT lines of a graph, without the two header lines and the closing brace. */
function body(dot: string): string[] {
  const lines = dot.split("\n");
  expect(lines.slice(0, 2)).toEqual(["digraph ObjectGraph {", "  node[shape=box, style=filled, fillcolor=white];"]);
  expect(lines.slice(-2)).toEqual(["}", ""]);
  return lines.slice(2, -2);
}

/**
 * Drop a class after collecting the cycles of its instances. (A class that dies in
 * the same collection as a cycle of its instances leaves that cycle behind: the
 * heap's type_clear drops ht_cached_keys, which CPython 3.11 keeps until
 * type_dealloc, so the instances' inline values are not cleared. Reported; not
 * objgraph's concern.)
 */
function releaseClass(heap: Heap, cls: Ref): void {
  heap.gc.collect();
  heap.decref(cls);
}

const PY_STATS = `
import gc, json
def typestats():
    # objgraph.typestats(): type(o).__name__ over gc.get_objects()
    stats = {}
    for o in gc.get_objects():
        n = type(o).__name__
        stats[n] = stats.get(n, 0) + 1
    return stats
`;

/** The objects of the counting scenario, built on the heap; returns what keeps them alive. */
function buildScenario(heap: Heap, Node: Ref): Ref {
  return heap.scope(() => {
    const nodes = heap.list(Array.from({ length: 5 }, () => heap.new(Node)));
    for (let i = 0; i < 5; i++) {
      const n = heap.getitem(nodes, i);
      heap.setattr(n, "next", heap.getitem(nodes, (i + 1) % 5));
      heap.setattr(n, "data", heap.list([heap.int(i), heap.str(String(i))]));
      heap.setattr(n, "meta", heap.dict([[heap.str("k"), heap.list([heap.int(i)])]]));
    }
    const pairs = heap.list(Array.from({ length: 3 }, (_, i) => heap.tuple([heap.int(i), heap.list([heap.int(i)])])));
    const atoms = heap.list([heap.tuple([heap.int(1), heap.int(2)]), heap.dict([[heap.str("a"), heap.int(1)]]), heap.list([heap.int(1)])]);
    return heap.list([nodes, pairs, atoms]);
  });
}

const PY_SCENARIO = `
class Node:
    pass
nodes = [Node() for _ in range(5)]
for i, n in enumerate(nodes):
    n.next = nodes[(i + 1) % 5]
    n.data = [i, str(i)]
    n.meta = {'k': [i]}
pairs = [(i, [i]) for i in range(3)]
atoms = [(1, 2), {'a': 1}, [1]]
keep = [nodes, pairs, atoms]
`;

describe.each(BACKENDS)("objgraph (%s)", (backend) => {
  it("counts tracked objects by type name as objgraph does over gc.get_objects()", async () => {
    const TYPES = ["Node", "list", "dict", "tuple"];
    const want = python3Json<Record<string, number>>(`${PY_STATS}
class Node:
    pass
# consecutive collections untrack more tuples (untracking is order-sensitive): settle first
gc.collect(); gc.collect(); gc.collect()
before = typestats()
${PY_SCENARIO.replace("class Node:\n    pass\n", "")}
gc.collect(); gc.collect(); gc.collect()
after = typestats()
print(json.dumps({k: after.get(k, 0) - before.get(k, 0) for k in ${JSON.stringify(TYPES)}}))`);
    expect(want).toEqual({ Node: 5, list: 18, dict: 5, tuple: 3 });
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const Node = heap.defineClass("Node");
      const settle = (): void => {
        for (let i = 0; i < 3; i++) heap.gc.collect();
      };
      settle();
      const before = og.typestats();
      const keep = buildScenario(heap, Node);
      settle();
      const after = og.typestats();
      const got = Object.fromEntries(TYPES.map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
      expect(got).toEqual(want);
      // count() agrees, by short and by qualified name; typestats with long names
      expect(og.count("Node")).toBe(5);
      expect(og.count("__main__.Node")).toBe(5);
      expect(og.count("builtins.list")).toBe(after.list);
      expect(og.count("other.Node")).toBe(0);
      // objgraph's `'.' in typename` on a non-str
      expect(() => og.count(5 as never)).toThrow("argument of type 'int' is not iterable");
      expect(() => og.most_common_types("x" as never)).toThrow("slice indices must be integers or None or have an __index__ method");
      const long = og.typestats({ shortnames: false });
      expect(long["__main__.Node"]).toBe(5);
      expect(long["builtins.list"]).toBe(after.list);
      // objects= and filter=
      const nodes = heap.getitem(keep, 0);
      expect(og.count("Node", nodes)).toBe(5);
      expect(og.count("list", [keep, nodes, Node])).toBe(2);
      expect(og.typestats({ objects: nodes })).toEqual({ Node: 5 });
      expect(og.typestats({ filter: (o) => heap.typeName(o) === "Node" })).toEqual({ Node: 5 });
      // by_type: a new list of the instances
      const found = og.by_type("Node");
      expect(heap.typeName(found)).toBe("list");
      expect(heap.len(found)).toBe(5);
      expect(new Set(items(heap, found))).toEqual(new Set(items(heap, nodes)));
      heap.decref(found);
      heap.decref(nodes);
      heap.decref(keep);
      releaseClass(heap, Node);
    });
  });

  it("growth / show_growth: increases of peak counts, objgraph's table text", async () => {
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const Node = heap.defineClass("Node");
      og.show_growth(); // the peaks so far
      expect(og.show_growth()).toBe(""); // nothing grew
      const keep = buildScenario(heap, Node);
      const growth = og.growth(null);
      const byName = Object.fromEntries(growth.map(([n, , d]) => [n, d]));
      expect(byName).toEqual({ list: 18, Node: 5, dict: 5, tuple: 3 });
      // sorted by increase, largest first
      expect(growth.map(([, , d]) => d)).toEqual([...growth.map(([, , d]) => d)].sort((a, b) => b - a));
      // the totals are the current counts
      for (const [n, total] of growth) expect(total).toBe(og.count(n));
      // dropping and re-creating fewer objects shows no growth: peaks are kept
      heap.decref(keep);
      heap.gc.collect();
      const again = buildScenario(heap, Node);
      heap.delitem(again, 1);
      expect(og.show_growth()).toBe("");
      // one more list than the peak: +1
      const extra = heap.scope(() => heap.list([heap.list([]), heap.list([]), heap.list([]), heap.list([])]));
      const text = og.show_growth(3);
      const rows = og.growth(3, { peak_stats: {} }).filter(([n]) => n === "list");
      expect(rows.length).toBe(1);
      const want = python3Json<string>(`
import json
rows = [('list', ${og.count("list")}, 1)]
width = max(len(name) for name, _, _ in rows)
print(json.dumps(''.join('%-*s%9d %+9d\\n' % (width, name, count, delta) for name, count, delta in rows)))`);
      expect(text).toBe(want);
      // an explicit peak_stats dict is used and updated
      const peaks: Record<string, number> = { Node: 1 };
      const g = og.growth(null, { peak_stats: peaks });
      expect(g.find(([n]) => n === "Node")).toEqual(["Node", 5, 4]);
      expect(peaks.Node).toBe(5);
      heap.decref(extra);
      heap.decref(again);
      releaseClass(heap, Node);
    });
  });

  it("most_common_types / show_most_common_types: order and text", async () => {
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const Node = heap.defineClass("Node");
      const keep = buildScenario(heap, Node);
      heap.gc.collect();
      const all = og.most_common_types(null);
      const stats = og.typestats();
      // every type, most frequent first; equal counts keep their first-seen order
      expect(all.length).toBe(Object.keys(stats).length);
      expect(all).toEqual(Object.entries(stats).sort((a, b) => b[1] - a[1]));
      expect(og.most_common_types()).toEqual(all.slice(0, 10));
      expect(og.most_common_types(2)).toEqual(all.slice(0, 2));
      expect(og.most_common_types(0)).toEqual(all);
      const top = og.most_common_types(4);
      const want = python3Json<string>(`
import json
stats = ${JSON.stringify(top)}
width = max(len(name) for name, count in stats)
print(json.dumps(''.join('%-*s %i\\n' % (width, name, count) for name, count in stats)))`);
      expect(og.show_most_common_types(4)).toBe(want);
      heap.decref(keep);
      releaseClass(heap, Node);
    });
  });

  it("show_refs: objgraph's DOT lines, labels, colours and edge labels", async () => {
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const key = 'say "hi"\n';
      const inner = heap.scope(() => heap.list([heap.int(1), heap.int(2)]));
      const s = heap.str(key);
      const d = heap.scope(() =>
        heap.dict([
          [heap.str("alpha"), inner],
          [heap.int(7), heap.str("seven")],
          [s, heap.None],
        ]),
      );
      const dot = og.show_refs([d], { max_depth: 2 });
      const lines = body(dot);
      const id = (o: Ref): string => `o${o}`;
      // python: the colours by depth (objgraph's _gradient and %g) and the quoted labels
      const py = python3Json<{ fill: string[]; keyLabel: string; strLabel: string }>(`
import json
def gradient(start_color, end_color, depth, max_depth):
    if max_depth == 0:
        return start_color
    h1, s1, v1 = start_color
    h2, s2, v2 = end_color
    f = float(depth) / max_depth
    return h1 * (1-f) + h2 * f, s1 * (1-f) + s2 * f, v1 * (1-f) + v2 * f
def quote(s):
    return s.replace("\\\\", "\\\\\\\\").replace('"', '\\\\"').replace("\\n", "\\\\n").replace("\\0", "\\\\\\\\0")
key = ${JSON.stringify(key)}
print(json.dumps({
  'fill': ['%g,%g,%g' % gradient((0, 0, 1), (0, 0, .3), d, 2) for d in range(3)],
  'keyLabel': ' [label="%s"]' % quote('str' + '\\n' + repr(key)[:40]),
  'strLabel': quote('str\\n' + repr(key)[:40]),
}))`);
      expect(py.fill).toEqual(["0,0,1", "0,0,0.65", "0,0,0.3"]);
      expect(lines[0]).toBe(`  ${id(d)}[fontcolor=red];`);
      expect(lines[1]).toBe(`  ${id(d)}[label="dict\\n3 items"];`);
      expect(lines[2]).toBe(`  ${id(d)}[fillcolor="${py.fill[0]}"];`);
      // dict_traverse of a dict with non-str keys: value, then key, for each entry
      const k7 = heap.int(7);
      const seven = heap.getitem(d, k7);
      expect(lines.slice(3, 9)).toEqual([
        `  ${id(d)} -> ${id(inner)} [label="alpha",weight=2];`,
        `  ${id(d)} -> ${id(heap.h.interned.get("alpha")!)};`,
        `  ${id(d)} -> ${id(seven)} [label="int\\n7"];`,
        `  ${id(d)} -> ${id(k7)};`,
        `  ${id(d)} -> ${id(heap.None)}${py.keyLabel};`,
        `  ${id(d)} -> ${id(s)};`,
      ]);
      // the list node at depth 1, its ints at depth 2 (dark: white font)
      const at = lines.indexOf(`  ${id(inner)}[label="list\\n2 items"];`);
      expect(at).toBeGreaterThan(0);
      expect(lines[at + 1]).toBe(`  ${id(inner)}[fillcolor="${py.fill[1]}"];`);
      expect(lines).toContain(`  ${id(s)}[label="${py.strLabel}"];`);
      const one = heap.int(1);
      expect(lines).toContain(`  ${id(one)}[label="int\\n1"];`);
      expect(lines).toContain(`  ${id(one)}[fillcolor="${py.fill[2]}"];`);
      expect(lines).toContain(`  ${id(one)}[fontcolor=white];`);
      heap.decref(one);
      // max_depth 0: the root alone
      expect(body(og.show_refs(d, { max_depth: 0 }))).toEqual([
        `  ${id(d)}[fontcolor=red];`,
        `  ${id(d)}[label="dict\\n3 items"];`,
        `  ${id(d)}[fillcolor="0,0,1"];`,
      ]);
      // refcounts, highlight, extra_info, extra_node_attrs, filter, extra_ignore
      const rc = body(og.show_refs([d], { max_depth: 1, refcounts: true, highlight: (o) => o === inner, extra_info: () => "x", extra_node_attrs: (o) => ({ URL: String(o), b: null }) }));
      expect(rc).toContain(`  ${id(inner)}[label="list [${heap.refcnt(inner)}]\\n2 items\\nx", URL="${inner}"];`);
      // highlighted: h = s = 0.6, v = 0.5 + v / 2 (v = 0.3 at depth 1 of 1)
      expect(rc).toContain(`  ${id(inner)}[fillcolor="0.6,0.6,0.65"];`);
      const filtered = body(og.show_refs([d], { max_depth: 1, filter: (o) => o !== inner, extra_ignore: [s] }));
      expect(filtered.filter((l) => l.includes("->"))).toEqual([
        `  ${id(d)} -> ${id(heap.h.interned.get("alpha")!)};`,
        `  ${id(d)} -> ${id(seven)} [label="int\\n7"];`,
        `  ${id(d)} -> ${id(k7)};`,
        `  ${id(d)} -> ${id(heap.None)}${py.keyLabel};`,
      ]);
      heap.decref(seven);
      heap.decref(k7);
      heap.decref(d);
      heap.decref(inner);
      heap.decref(s);
    });
  });

  it("show_refs: too many references, __del__, methods, __dict__, functions, a heap list of roots", async () => {
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const id = (o: Ref): string => `o${o}`;
      // 15 referents, too_many = 10: "5 more references"
      const big = heap.scope(() => heap.list(Array.from({ length: 15 }, (_, i) => heap.float(i + 0.5))));
      const lines = body(og.show_refs([big], { max_depth: 1 }));
      expect(lines.filter((l) => l.includes(" -> ")).length).toBe(10);
      const py = python3Json<string[]>(`
import json
f = 1 / 1
h, s, v = 0 * (1-f) + 0 * f, 1 * (1-f) + 1 * f, 1 * (1-f) + .3 * f
print(json.dumps(['%g,%g,%g' % (h, s, v)]))`);
      expect(lines.slice(13, 16)).toEqual([
        `  ${id(big)}->too_many_${id(big)}[color=red,style=dotted,len=0.25,weight=10];`,
        `  too_many_${id(big)}[label="5 more references",shape=box,height=0.25,color=red,fillcolor="${py[0]}",fontsize=6];`,
        `  too_many_${id(big)}[fontcolor=white];`,
      ]);
      heap.decref(big);

      // a class with __del__, a bound method, an instance with a materialised __dict__
      const C = heap.defineClass("C", { methods: { m: () => undefined }, del: () => undefined });
      const o = heap.new(C);
      const attr = heap.list([]);
      heap.setattr(o, "attr", attr);
      const m = heap.getattr(o, "m");
      const ml = body(og.show_refs([m], { max_depth: 1 }));
      const func = heap.getattr(C, "m");
      expect(ml).toContain(`  ${id(m)}[label="method\\nm (bound)"];`);
      expect(ml).toContain(`  ${id(m)} -> ${id(func)} [label="__func__",weight=10];`);
      expect(ml).toContain(`  ${id(m)} -> ${id(o)} [label="__self__",weight=10];`);
      expect(ml).toContain(`  ${id(o)}->${id(o)}_has_a_del[color=red,style=dotted,len=0.25,weight=10];`);
      expect(ml).toContain(
        `  ${id(o)}_has_a_del[label="__del__",shape=doublecircle,height=0.25,color=red,fillcolor="0,.5,1",fontsize=6];`,
      );
      // the function node: its name and qualname are one str object, labelled by the first name dir() gives
      const fl = body(og.show_refs([func], { max_depth: 1 }));
      const fname = heap.h.i32[(func + FUNC_NAME) >> 2]; // borrowed
      expect(fl).toContain(`  ${id(func)} -> ${id(fname)} [label="__name__",weight=10];`);
      const fedges = fl.filter((l) => l.startsWith(`  ${id(func)} -> `));
      expect(fedges.length).toBeGreaterThanOrEqual(2);
      for (const l of fedges) expect(l).toMatch(/ \[label="__(name|qualname|module)__",weight=10\];$/);
      // inline attributes: no label (objgraph on 3.11); a materialised __dict__: "__dict__"
      const before = body(og.show_refs([o], { max_depth: 1 }));
      expect(before).toContain(`  ${id(o)} -> ${id(attr)};`);
      const d = heap.getattr(o, "__dict__");
      const after = body(og.show_refs([o], { max_depth: 2 }));
      expect(after).toContain(`  ${id(o)} -> ${id(d)} [label="__dict__",weight=10];`);
      expect(after).toContain(`  ${id(d)} -> ${id(attr)} [label="attr",weight=2];`);
      // a heap list of roots: its items are the roots, the list itself is ignored
      const roots = heap.list([attr, d]);
      const rl = body(og.show_refs(roots, { max_depth: 0 }));
      expect(rl.slice(0, 2)).toEqual([`  ${id(attr)}[fontcolor=red];`, `  ${id(d)}[fontcolor=red];`]);
      // a single object that is not a list or tuple is one root
      expect(body(og.show_refs(o, { max_depth: 0 }))[0]).toBe(`  ${id(o)}[fontcolor=red];`);
      for (const r of [roots, d, m, attr, o, C, func]) heap.decref(r);
      heap.gc.collect();
    });
  });

  it("show_backrefs: edges from the referrers, 'N more backreferences'", async () => {
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const id = (o: Ref): string => `o${o}`;
      const target = heap.list([]);
      const holder = heap.list([target]);
      const root = heap.scope(() => heap.dict([[heap.str("holder"), holder]]));
      const lines = body(og.show_backrefs([target], { max_depth: 2 }));
      expect(lines).toContain(`  ${id(holder)} -> ${id(target)};`);
      expect(lines).toContain(`  ${id(root)} -> ${id(holder)} [label="holder",weight=2];`);
      expect(lines).toContain(`  ${id(holder)}[fillcolor="0,0,0.65"];`);
      // the root's referrers are not followed past max_depth
      expect(lines.filter((l) => l.endsWith(`-> ${id(root)};`))).toEqual([]);
      const many = Array.from({ length: 12 }, () => heap.list([target]));
      const ml = body(og.show_backrefs([target], { max_depth: 1 }));
      expect(ml.filter((l) => l.endsWith(`-> ${id(target)};`)).length).toBe(10);
      expect(ml).toContain(`  too_many_${id(target)}->${id(target)}[color=red,style=dotted,len=0.25,weight=10];`);
      expect(ml.some((l) => l.startsWith(`  too_many_${id(target)}[label="3 more backreferences",`))).toBe(true);
      for (const r of [...many, root, holder, target]) heap.decref(r);
    });
  });

  it("find_backref_chain / find_ref_chain / show_chain", async () => {
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const target = heap.list([]);
      const a = heap.list([target]);
      const b = heap.scope(() => heap.tuple([a, heap.list([])]));
      const root = heap.scope(() => heap.dict([[heap.str("b"), b]]));
      const rc = heap.refcnt(target);
      const chain = og.find_backref_chain(target, (o) => o === root);
      expect(chain).toEqual([root, b, a, target]);
      // new references
      expect(heap.refcnt(target)).toBe(rc + 1);
      for (const r of chain) heap.decref(r);
      expect(heap.refcnt(target)).toBe(rc);
      // not found (or beyond max_depth): [obj]
      const none = og.find_backref_chain(target, () => false);
      expect(none).toEqual([target]);
      heap.decref(none[0]);
      const shallow = og.find_backref_chain(target, (o) => o === root, { max_depth: 2 });
      expect(shallow).toEqual([target]);
      heap.decref(shallow[0]);
      // extra_ignore cuts the only path
      const ignored = og.find_backref_chain(target, (o) => o === root, { extra_ignore: [b] });
      expect(ignored).toEqual([target]);
      heap.decref(ignored[0]);
      // the predicate sees the object itself first
      const self = og.find_backref_chain(target, (o) => o === target);
      expect(self).toEqual([target]);
      heap.decref(self[0]);
      // forwards: root ... target
      const fwd = og.find_ref_chain(root, (o) => o === target);
      expect(fwd).toEqual([root, b, a, target]);
      for (const r of fwd) heap.decref(r);
      // show_chain draws only the chain's objects
      const lines = body(og.show_chain([[root, b, a, target]]));
      const edges = lines.filter((l) => l.includes(" -> "));
      expect(edges).toEqual([`  o${a} -> o${target};`, `  o${b} -> o${a};`, `  o${root} -> o${b} [label="b",weight=2];`]);
      expect(body(og.show_chain([[root, b, a, target]], { backrefs: false })).filter((l) => l.includes(" -> "))).toEqual([
        `  o${root} -> o${b} [label="b",weight=2];`,
        `  o${b} -> o${a};`,
        `  o${a} -> o${target};`,
      ]);
      expect(() => og.show_chain([])).toThrow(PyError);
      for (const r of [root, b, a, target]) heap.decref(r);
    });
  });

  it("a __repr__ that raises gives (unrepresentable); walks leave refcounts as they were", async () => {
    await withHeap(backend, (heap) => {
      const og = objgraphOf(heap);
      const Bad = heap.defineClass("Bad", {
        methods: {
          __repr__: () => {
            throw new PyError("ValueError", "no");
          },
        },
      });
      const bad = heap.new(Bad);
      const l = heap.list([bad]);
      const rc = [heap.refcnt(bad), heap.refcnt(l)];
      const lines = body(og.show_refs([l], { max_depth: 1 }));
      expect(lines).toContain(`  o${bad}[label="Bad\\n(unrepresentable)"];`);
      og.show_backrefs([bad], { max_depth: 3 });
      og.find_backref_chain(bad, () => false).forEach((r) => heap.decref(r));
      expect([heap.refcnt(bad), heap.refcnt(l)]).toEqual(rc);
      // a predicate that throws: the error propagates, the walk's references are released
      expect(() =>
        og.find_backref_chain(bad, () => {
          throw new Error("boom");
        }),
      ).toThrow("boom");
      expect([heap.refcnt(bad), heap.refcnt(l)]).toEqual(rc);
      heap.decref(l);
      heap.decref(bad);
      heap.decref(Bad);
      heap.gc.collect();
    });
  });
  it("the facade's hooks: Ref arguments are checked, returned Refs recorded", async () => {
    await withHeap(backend, (heap) => {
      const checked: Ref[] = [];
      const owned: Ref[] = [];
      const og = objgraph_module(heap.h, heap.gc, {
        check: (o) => {
          if (o === 12345) throw new PyError("ValueError", "12345 is not a live object of this heap");
          checked.push(o);
        },
        own: (r) => {
          owned.push(r);
          return r;
        },
      });
      const a = heap.list([]);
      const b = heap.list([a]);
      const found = og.by_type("list", [a, b]);
      expect(owned).toEqual([found]);
      expect(checked).toEqual([a, b]);
      const chain = og.find_backref_chain(a, (o) => o === b);
      expect(owned.slice(1)).toEqual(chain);
      expect(() => og.show_refs([12345 as Ref])).toThrow("12345 is not a live object");
      expect(() => og.count("list", 12345 as Ref)).toThrow("12345 is not a live object");
      for (const r of [found, ...chain, b, a]) heap.decref(r);
    });
  });
});
