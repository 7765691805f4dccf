// === The `objgraph` module (layer 3, src/objgraph): heap.objgraph ===
//
// Ports, from objgraph 3.6 (mg.pov.lt/objgraph, a pure-Python library over the
// gc module): count, typestats, most_common_types, show_most_common_types,
// growth, show_growth (peak counts kept between calls), by_type,
// find_ref_chain, find_backref_chain, show_refs, show_backrefs, show_chain.
// Counting is by type(o).__name__ (or "module.Name" when the name has a dot) over
// gc.get_objects(), so, as in objgraph, only objects tracked by the collector are
// counted.
//
// Names are Python's own; Python keyword arguments are an options object. The
// show_* functions return the text objgraph would print (show_most_common_types,
// show_growth) or write to its .dot file (show_refs, show_backrefs, show_chain)
// instead of printing it or starting a viewer.

import type { GcModule } from "../gc/index.js";
import { js_value_type_name, PyError } from "../heap/errors.js";
import { list_append, list_get, list_new_empty, list_size } from "../heap/list.js";
import { Py_DECREF } from "../heap/refcount.js";
import type { HeapState, Ref } from "../heap/state.js";
import { tuple_get, tuple_size } from "../heap/tuple.js";
import { is_subtype, slots_of } from "../heap/typeobject.js";
import { find_chain, show_graph, tracked_objects, Holds, type ChainOptions, type GraphOptions } from "./graph.js";
import { long_typename, short_typename } from "./names.js";

/** What objgraph's `objects=` argument accepts: a JS array of Refs or a heap list / tuple. */
export type Objects = readonly Ref[] | Ref;

export interface StatsOptions {
  /** count these objects instead of gc.get_objects() */
  objects?: Objects | null;
  /** type names without their module (default true) */
  shortnames?: boolean;
  /** objects for which filter(o) is false are not counted */
  filter?: ((o: Ref) => unknown) | null;
}

export interface GrowthOptions {
  /** the peak counts to compare with and update (default: the module's own, kept between calls) */
  peak_stats?: Record<string, number>;
  shortnames?: boolean;
  filter?: ((o: Ref) => unknown) | null;
}

export interface ChainShowOptions extends GraphOptions {
  /** follow referrers (default true) or referents */
  backrefs?: boolean;
}

/** heap.objgraph */
export interface ObjgraphModule {
  /** objects tracked by the collector whose type is named `typename` ("Name" or "module.Name") */
  count(typename: string, objects?: Objects | null): number;
  /** type name -> number of tracked objects */
  typestats(options?: StatsOptions): Record<string, number>;
  /** [name, count] pairs, most frequent first (limit 0 or null: all) */
  most_common_types(limit?: number | null, options?: StatsOptions): [string, number][];
  /** the table show_most_common_types prints */
  show_most_common_types(limit?: number | null, options?: StatsOptions): string;
  /** [name, total, increase] since the last call (runs gc.collect() first) */
  growth(limit?: number | null, options?: GrowthOptions): [string, number, number][];
  /** the table show_growth prints ("" when nothing grew) */
  show_growth(limit?: number | null, options?: GrowthOptions): string;
  /** new reference: a list of the tracked objects whose type is named `typename` */
  by_type(typename: string, objects?: Objects | null): Ref;
  /** [obj, ..., match] along references (new references); [obj] if none */
  find_ref_chain(obj: Ref, predicate: (o: Ref) => unknown, options?: ChainOptions): Ref[];
  /** [match, ..., obj] along referrers (new references); [obj] if none */
  find_backref_chain(obj: Ref, predicate: (o: Ref) => unknown, options?: ChainOptions): Ref[];
  /** DOT text of what `objs` refer to */
  show_refs(objs: Objects, options?: GraphOptions): string;
  /** DOT text of what refers to `objs` */
  show_backrefs(objs: Objects, options?: GraphOptions): string;
  /** DOT text of chains found by find_ref_chain / find_backref_chain */
  show_chain(chains: readonly (readonly Ref[])[], options?: ChainShowOptions): string;
}

/**
 * What the facade lends the module: its handle check (a Ref argument must be a
 * live object of this heap) and its scope recording (every Ref handed out is a new
 * reference that heap.scope() must see). Without it: no check beyond the type of
 * the argument, no recording.
 */
export interface ObjgraphApi {
  check(o: Ref): void;
  own(r: Ref): Ref;
}

const NO_API: ObjgraphApi = {
  check(o: Ref): void {
    if (typeof o !== "number") throw new PyError("TypeError", `not a heap object: ${String(o)}`);
  },
  own: (r: Ref): Ref => r,
};

/** `if limit:` (None and 0 mean no limit; omitted means the default 10) */
function apply_limit<T>(items: T[], limit: number | null | undefined): T[] {
  const l = limit === undefined ? 10 : limit;
  if (l !== null && !(typeof l === "number" && Number.isInteger(l))) {
    // objgraph's stats[:limit]
    throw new PyError("TypeError", "slice indices must be integers or None or have an __index__ method");
  }
  return l ? items.slice(0, l < 0 ? Math.max(0, items.length + l) : l) : items;
}

/** Python's '%-*s' */
function ljust(s: string, width: number): string {
  const n = Array.from(s).length;
  return n >= width ? s : s + " ".repeat(width - n);
}

/** Python's '%9d' / '%+9d' */
function rjust_int(n: number, width: number, sign: boolean): string {
  const s = (sign && n >= 0 ? "+" : "") + String(n);
  return s.length >= width ? s : " ".repeat(width - s.length) + s;
}

function width_of(names: string[]): number {
  let w = 0;
  for (const n of names) w = Math.max(w, Array.from(n).length);
  return w;
}

/**
 * objgraph_module: the `objgraph` module object of heap `h`, over its `gc`
 * module (whose collect() objgraph runs before growth and graph walks). The
 * facade exposes it as `heap.objgraph`.
 */
export function objgraph_module(h: HeapState, gc: GcModule, api: ObjgraphApi = NO_API): ObjgraphModule {
  const { check, own } = api;
  /** show_growth's default peak_stats (objgraph's mutable default argument) */
  const peakStats: Record<string, number> = Object.create(null);

  /** the objects argument as a JS array (borrowed), or null for gc.get_objects() */
  const objects_of = (objects: Objects | null | undefined): readonly Ref[] | null => {
    if (objects === undefined || objects === null) return null;
    if (Array.isArray(objects)) {
      for (const o of objects) check(o);
      return objects;
    }
    if (typeof objects === "number") {
      check(objects);
      const t = slots_of(h, objects);
      if (is_subtype(t, h.T.list)) return Array.from({ length: list_size(h, objects) }, (_, i) => list_get(h, objects, i));
      if (is_subtype(t, h.T.tuple)) return Array.from({ length: tuple_size(h, objects) }, (_, i) => tuple_get(h, objects, i));
      throw new PyError("TypeError", `objects must be a list, a tuple or a JS array, not '${t.name}'`);
    }
    throw new PyError("TypeError", "objects must be a list, a tuple or a JS array");
  };

  /**
   * Run fn over the objects (gc.get_objects() when none are given), holding
   * references to them while user code (a filter) may run, as objgraph's list does.
   */
  const over = <T>(objects: Objects | null | undefined, user: boolean, fn: (objs: readonly Ref[]) => T): T => {
    const objs = objects_of(objects) ?? tracked_objects(h);
    if (!user) return fn(objs);
    const holds = new Holds(h);
    for (const o of objs) holds.hold(o);
    try {
      return fn(objs);
    } finally {
      holds.release();
    }
  };

  const name_matcher = (typename: string): ((o: Ref) => boolean) => {
    // objgraph's `if '.' in typename`, with its error for a non-str
    if (typeof typename !== "string") {
      throw new PyError("TypeError", `argument of type '${js_value_type_name(typename)}' is not iterable`);
    }
    if (typename.includes(".")) return (o) => long_typename(h, o) === typename;
    return (o) => short_typename(h, o) === typename;
  };

  const typestats = (options: StatsOptions = {}): Map<string, number> => {
    const name = options.shortnames === false ? long_typename : short_typename;
    const filter = options.filter;
    return over(options.objects, !!filter, (objs) => {
      const stats = new Map<string, number>();
      for (const o of objs) {
        if (filter && !filter(o)) continue;
        const n = name(h, o);
        stats.set(n, (stats.get(n) ?? 0) + 1);
      }
      return stats;
    });
  };

  const most_common_types = (limit: number | null | undefined, options?: StatsOptions): [string, number][] => {
    // sorted(..., key=count, reverse=True): stable, so equal counts keep first-seen order
    const stats = Array.from(typestats(options)).sort((a, b) => b[1] - a[1]);
    return apply_limit(stats, limit);
  };

  const growth = (limit: number | null | undefined, options: GrowthOptions = {}): [string, number, number][] => {
    const peak = options.peak_stats ?? peakStats;
    gc.collect();
    const stats = typestats({ shortnames: options.shortnames, filter: options.filter });
    const deltas: [string, number][] = [];
    for (const [name, count] of stats) {
      const old = Object.prototype.hasOwnProperty.call(peak, name) ? peak[name] : 0;
      if (count > old) {
        deltas.push([name, count - old]);
        peak[name] = count;
      }
    }
    deltas.sort((a, b) => b[1] - a[1]);
    return apply_limit(deltas, limit).map(([name, delta]) => [name, stats.get(name)!, delta]);
  };

  const graph_objs = (objs: Objects): { list: readonly Ref[]; container: Ref } => {
    // objgraph: `if not isinstance(objs, (list, tuple)): objs = [objs]`
    if (Array.isArray(objs)) {
      for (const o of objs) check(o);
      return { list: objs, container: 0 };
    }
    const o = objs as Ref;
    check(o);
    const t = slots_of(h, o);
    if (is_subtype(t, h.T.list) || is_subtype(t, h.T.tuple)) return { list: objects_of(o)!, container: o };
    return { list: [o], container: 0 };
  };

  const mod: ObjgraphModule = {
    count(typename: string, objects?: Objects | null): number {
      const match = name_matcher(typename);
      return over(objects, false, (objs) => {
        let n = 0;
        for (const o of objs) if (match(o)) n++;
        return n;
      });
    },

    typestats(options?: StatsOptions): Record<string, number> {
      return Object.fromEntries(typestats(options));
    },

    most_common_types(limit?: number | null, options?: StatsOptions): [string, number][] {
      return most_common_types(limit, options);
    },

    show_most_common_types(limit?: number | null, options?: StatsOptions): string {
      const stats = most_common_types(limit, options);
      const width = width_of(stats.map(([name]) => name));
      return stats.map(([name, count]) => `${ljust(name, width)} ${count}\n`).join("");
    },

    growth(limit?: number | null, options?: GrowthOptions): [string, number, number][] {
      return growth(limit, options);
    },

    show_growth(limit?: number | null, options?: GrowthOptions): string {
      const result = growth(limit, options);
      if (result.length === 0) return "";
      const width = width_of(result.map(([name]) => name));
      return result.map(([name, count, delta]) => `${ljust(name, width)}${rjust_int(count, 9, false)} ${rjust_int(delta, 9, true)}\n`).join("");
    },

    by_type(typename: string, objects?: Objects | null): Ref {
      const match = name_matcher(typename);
      const found = over(objects, false, (objs) => objs.filter(match));
      const result = list_new_empty(h, 0);
      try {
        for (const o of found) list_append(h, result, o);
      } catch (e) {
        Py_DECREF(h, result);
        throw e;
      }
      return own(result);
    },

    find_ref_chain(obj: Ref, predicate: (o: Ref) => unknown, options?: ChainOptions): Ref[] {
      check(obj);
      return find_chain(h, gc, obj, predicate, "referents", options).reverse().map(own);
    },

    find_backref_chain(obj: Ref, predicate: (o: Ref) => unknown, options?: ChainOptions): Ref[] {
      check(obj);
      return find_chain(h, gc, obj, predicate, "referrers", options).map(own);
    },

    show_refs(objs: Objects, options?: GraphOptions): string {
      const { list, container } = graph_objs(objs);
      return show_graph(h, gc, list, container, "referents", options);
    },

    show_backrefs(objs: Objects, options?: GraphOptions): string {
      const { list, container } = graph_objs(objs);
      return show_graph(h, gc, list, container, "referrers", options);
    },

    show_chain(chains: readonly (readonly Ref[])[], options: ChainShowOptions = {}): string {
      const { backrefs = true, ...rest } = options;
      const kept = chains.filter((c) => c.length > 0);
      for (const c of kept) for (const o of c) check(o);
      if (kept.length === 0) throw new PyError("ValueError", "max() arg is an empty sequence");
      const ids = new Set<Ref>(kept.flat());
      const max_depth = Math.max(...kept.map((c) => c.length)) - 1;
      const filter = (o: Ref): boolean => ids.has(o);
      if (backrefs) return show_graph(h, gc, kept.map((c) => c[c.length - 1]), 0, "referrers", { ...rest, max_depth, filter });
      return show_graph(h, gc, kept.map((c) => c[0]), 0, "referents", { ...rest, max_depth, filter });
    },
  };
  return mod;
}
