// === objgraph: walking the object graph (layer 3, src/objgraph) ===
//
// Ports, from objgraph 3.6: gc.get_objects() as objgraph uses it (every tracked
// object, generation 0 first, in list order), gc.get_referents (the object's
// tp_traverse, in its order, nothing for non-GC objects), gc.get_referrers (the
// tracked objects whose tp_traverse visits the target, in list order, each once),
// _find_chain (breadth-first search with max_depth and extra_ignore) and
// _show_graph (the Graphviz DOT text, line for line).
//
// Two differences in how, not in what:
//   - referrers are found one BFS level at a time: a breadth-first search expands
//     every node of depth d before any of depth d+1, so one pass over the heap per
//     level gives the same lists as one gc.get_referrers call per node;
//   - the Python lists objgraph keeps (queue, neighbours, get_objects' result) hold
//     references; here a Holds set increfs what the walk keeps and releases it at
//     the end, so that Python code run meanwhile (a __repr__, a predicate) cannot
//     free an object the walk still uses.

import type { GcModule } from "../gc/index.js";
import { GC_HEAD_OFFSET } from "../heap/layout.js";
import { object_is_gc } from "../heap/object.js";
import { Py_DECREF } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import { slots_of } from "../heap/typeobject.js";
import type { Visit } from "../heap/typeslots.js";
import {
  edge_label,
  gradient,
  has_del,
  long_typename,
  node_id,
  py_g,
  quote,
  safe_repr,
  short_typename,
} from "./names.js";

/** References the walk holds (like the Python lists objgraph keeps), released together. */
export class Holds {
  readonly #h: HeapState;
  readonly #refs: Ref[] = [];
  readonly #count = new Map<Ref, number>();
  constructor(h: HeapState) {
    this.#h = h;
  }
  hold(o: Ref): void {
    this.#h.i32[o >> 2]++;
    this.#refs.push(o);
    this.#count.set(o, (this.#count.get(o) ?? 0) + 1);
  }
  /** how many references the walk holds on `o` */
  of(o: Ref): number {
    return this.#count.get(o) ?? 0;
  }
  release(): void {
    const refs = this.#refs.splice(0);
    this.#count.clear();
    for (let i = refs.length - 1; i >= 0; i--) Py_DECREF(this.#h, refs[i]);
  }
}

/** gc.get_objects(): every tracked object, generations 0, 1, 2, in list order (borrowed) */
export function tracked_objects(h: HeapState): Ref[] {
  const out: Ref[] = [];
  const heads = h.gc.heads;
  const i32 = h.i32;
  for (let g = 0; g < heads.length; g++) {
    const head = heads[g];
    for (let gc = i32[head >> 2]; gc !== head; gc = i32[gc >> 2]) out.push(gc - GC_HEAD_OFFSET);
  }
  return out;
}

const push_visit: Visit<Ref[]> = (_h, child, out) => {
  out.push(child);
};

/** gc.get_referents(o): what its tp_traverse visits (borrowed), nothing for a non-GC object */
export function referents(h: HeapState, o: Ref): Ref[] {
  const out: Ref[] = [];
  if (!object_is_gc(h, o)) return out;
  const tr = slots_of(h, o).tp_traverse;
  if (tr !== null) tr(h, o, push_visit, out);
  return out;
}

/**
 * gc.get_referrers(t) for every t in `targets` in one pass: t -> the tracked
 * objects whose tp_traverse visits t, in list order, each once (borrowed).
 */
export function referrers_of(h: HeapState, targets: ReadonlySet<Ref>): Map<Ref, Ref[]> {
  const found = new Map<Ref, Ref[]>();
  for (const t of targets) found.set(t, []);
  const arg = { src: 0 as Ref };
  const visit: Visit<typeof arg> = (_h, child, a) => {
    const list = found.get(child);
    if (list !== undefined && list[list.length - 1] !== a.src) list.push(a.src);
  };
  for (const op of tracked_objects(h)) {
    const tr = slots_of(h, op).tp_traverse;
    if (tr === null) continue;
    arg.src = op;
    tr(h, op, visit, arg);
  }
  return found;
}

type Direction = "referents" | "referrers";

/**
 * The neighbours of BFS nodes: referents one node at a time, referrers one level
 * at a time (the queue from `head` holds exactly the nodes of the current depth
 * when its first node is expanded). Every neighbour is held.
 */
class Neighbours {
  #levelDepth = -1;
  #level: Map<Ref, Ref[]> | null = null;
  constructor(
    readonly h: HeapState,
    readonly direction: Direction,
    readonly holds: Holds,
  ) {}

  of(target: Ref, tdepth: number, queue: Ref[], from: number, depth: Map<Ref, number>): Ref[] {
    let list: Ref[];
    if (this.direction === "referents") {
      list = referents(this.h, target);
    } else {
      if (this.#levelDepth !== tdepth || this.#level === null || !this.#level.has(target)) {
        const set = new Set<Ref>();
        for (let i = from; i < queue.length; i++) if (depth.get(queue[i]) === tdepth) set.add(queue[i]);
        set.add(target);
        this.#level = referrers_of(this.h, set);
        this.#levelDepth = tdepth;
      }
      list = this.#level.get(target)!;
    }
    for (const o of list) this.holds.hold(o);
    return list;
  }
}

export interface ChainOptions {
  /** how far to search (default 20) */
  max_depth?: number;
  /** ids (Refs) of objects to skip */
  extra_ignore?: Iterable<Ref>;
}

/**
 * _find_chain: breadth-first from `obj` along `direction` to the first object
 * for which `predicate` is true; the chain from that object back to `obj`, or
 * [obj]. Returned Refs are new references.
 */
export function find_chain(
  h: HeapState,
  gc: GcModule,
  obj: Ref,
  predicate: (o: Ref) => unknown,
  direction: Direction,
  options: ChainOptions = {},
): Ref[] {
  const max_depth = options.max_depth ?? 20;
  const ignore = new Set<Ref>(options.extra_ignore ?? []);
  const holds = new Holds(h);
  const neighbours = new Neighbours(h, direction, holds);
  const queue: Ref[] = [obj];
  const depth = new Map<Ref, number>([[obj, 0]]);
  const parent = new Map<Ref, Ref | null>([[obj, null]]);
  holds.hold(obj);
  try {
    gc.collect();
    let head = 0;
    while (head < queue.length) {
      let target = queue[head++];
      if (predicate(target)) {
        const chain: Ref[] = [target];
        while (parent.get(target) !== null) {
          target = parent.get(target)!;
          chain.push(target);
        }
        for (const o of chain) h.i32[o >> 2]++;
        return chain;
      }
      const tdepth = depth.get(target)!;
      if (tdepth < max_depth) {
        for (const source of neighbours.of(target, tdepth, queue, head - 1, depth)) {
          if (ignore.has(source)) continue;
          if (!depth.has(source)) {
            depth.set(source, tdepth + 1);
            parent.set(source, target);
            queue.push(source);
          }
        }
      }
    }
    h.i32[obj >> 2]++;
    return [obj];
  } finally {
    holds.release();
  }
}

export interface GraphOptions {
  /** depth of the graph (default 3) */
  max_depth?: number;
  /** ids (Refs) of objects to leave out */
  extra_ignore?: Iterable<Ref>;
  /** objects for which filter(o) is false are left out */
  filter?: ((o: Ref) => unknown) | null;
  /** at most this many edges per node (default 10); the rest is "N more references" */
  too_many?: number;
  /** nodes for which highlight(o) is true are drawn in blue */
  highlight?: ((o: Ref) => unknown) | null;
  /** a third label line: String(extra_info(o)) */
  extra_info?: ((o: Ref) => unknown) | null;
  /** show reference counts in the labels */
  refcounts?: boolean;
  /** type names without their module (default true) */
  shortnames?: boolean;
  /** extra DOT attributes of a node: name -> value (null values left out) */
  extra_node_attrs?: ((o: Ref) => Record<string, string | null | undefined>) | null;
}

/** _obj_label */
function obj_label(h: HeapState, o: Ref, options: GraphOptions, holds: Holds): string {
  const label = [options.shortnames === false ? long_typename(h, o) : short_typename(h, o)];
  if (options.refcounts) {
    // objgraph prints sys.getrefcount(obj) - 4, which leaves out the references its
    // own frames and queue hold; here: ob_refcnt less the references the walk holds
    label[0] += ` [${h.i32[o >> 2] - holds.of(o)}]`;
  }
  label.push(safe_repr(h, o));
  if (options.extra_info) label.push(String(options.extra_info(o)));
  return quote(label.join("\n"));
}

/** _obj_attrs */
function obj_attrs(o: Ref, extra: GraphOptions["extra_node_attrs"]): string {
  if (!extra) return "";
  const attrs = extra(o);
  const parts = Object.keys(attrs)
    .sort()
    .filter((k) => attrs[k] !== null && attrs[k] !== undefined)
    .map((k) => `${k}="${quote(String(attrs[k]))}"`);
  return ", " + parts.join(", ");
}

/**
 * _show_graph: the DOT text of the graph around `objs`, following referents
 * (show_refs: edges from the node to what it refers to) or referrers
 * (show_backrefs: edges from what refers to the node). `container` is the heap
 * list the objects came in, if any (ignored, as objgraph ignores id(objs)).
 */
export function show_graph(
  h: HeapState,
  gc: GcModule,
  objs: readonly Ref[],
  container: Ref,
  direction: Direction,
  options: GraphOptions = {},
): string {
  const max_depth = options.max_depth ?? 3;
  const too_many = options.too_many ?? 10;
  const shortnames = options.shortnames !== false;
  const { filter, highlight } = options;
  const swap = direction === "referents";
  const out: string[] = ["digraph ObjectGraph {", "  node[shape=box, style=filled, fillcolor=white];"];
  const queue: Ref[] = [];
  const depth = new Map<Ref, number>();
  const ignore = new Set<Ref>(options.extra_ignore ?? []);
  if (container !== 0) ignore.add(container);
  const holds = new Holds(h);
  const neighbours = new Neighbours(h, direction, holds);
  try {
    for (const obj of objs) {
      out.push(`  ${node_id(obj)}[fontcolor=red];`);
      depth.set(obj, 0);
      queue.push(obj);
      holds.hold(obj);
    }
    gc.collect();
    let head = 0;
    while (head < queue.length) {
      const target = queue[head++];
      const tdepth = depth.get(target)!;
      const tid = node_id(target);
      out.push(`  ${tid}[label="${obj_label(h, target, options, holds)}"${obj_attrs(target, options.extra_node_attrs)}];`);
      let [hh, s, v] = gradient([0, 0, 1], [0, 0, 0.3], tdepth, max_depth);
      if (highlight && highlight(target)) {
        hh = 0.6;
        s = 0.6;
        v = 0.5 + v * 0.5;
      }
      out.push(`  ${tid}[fillcolor="${py_g(hh)},${py_g(s)},${py_g(v)}"];`);
      if (v < 0.5) out.push(`  ${tid}[fontcolor=white];`);
      if (has_del(h, target)) {
        out.push(`  ${tid}->${tid}_has_a_del[color=red,style=dotted,len=0.25,weight=10];`);
        out.push(`  ${tid}_has_a_del[label="__del__",shape=doublecircle,height=0.25,color=red,fillcolor="0,.5,1",fontsize=6];`);
      }
      if (tdepth >= max_depth) continue;
      // (objgraph's show_backrefs stops at modules in sys.modules; there are none here)
      let n = 0;
      let skipped = 0;
      for (const source of neighbours.of(target, tdepth, queue, head - 1, depth)) {
        if (ignore.has(source)) continue;
        if (filter && !filter(source)) continue;
        if (n >= too_many) {
          skipped++;
          continue;
        }
        const [src, tgt] = swap ? [target, source] : [source, target];
        out.push(`  ${node_id(src)} -> ${node_id(tgt)}${edge_label(h, src, tgt, shortnames)};`);
        if (!depth.has(source)) {
          depth.set(source, tdepth + 1);
          queue.push(source);
        }
        n++;
      }
      if (skipped > 0) {
        const [h2, s2, v2] = gradient([0, 1, 1], [0, 1, 0.3], tdepth + 1, max_depth);
        const label = swap ? `${skipped} more references` : `${skipped} more backreferences`;
        const edge = swap ? `${tid}->too_many_${tid}` : `too_many_${tid}->${tid}`;
        out.push(`  ${edge}[color=red,style=dotted,len=0.25,weight=10];`);
        out.push(`  too_many_${tid}[label="${label}",shape=box,height=0.25,color=red,fillcolor="${py_g(h2)},${py_g(s2)},${py_g(v2)}",fontsize=6];`);
        out.push(`  too_many_${tid}[fontcolor=white];`);
      }
    }
  } finally {
    holds.release();
  }
  out.push("}");
  return out.join("\n") + "\n";
}
