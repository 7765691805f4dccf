// === src/objgraph: objgraph over the heap (layer 3) ===
//
// objgraph 3.6's counting, growth tracking, reference chains and Graphviz
// graphs, over the gc module of src/gc: names.ts (type names, short reprs, edge
// labels, DOT quoting), graph.ts (get_objects / get_referents / get_referrers,
// _find_chain, _show_graph), module.ts (heap.objgraph).

export {
  objgraph_module,
  type ObjgraphModule,
  type ObjgraphApi,
  type Objects,
  type StatsOptions,
  type GrowthOptions,
  type ChainShowOptions,
} from "./module.js";
export type { ChainOptions, GraphOptions } from "./graph.js";
