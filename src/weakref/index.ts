// === The weakref module (layer 3, src/weakref): entry points for the facade ===
//
//   weakref_install(h)  once per heap, after the bootstrap: types, registry, hooks
//   weakref_module(h)   the `heap.weakref` API object
//   weakref_atexit(h)   finalize._exitfunc: the first thing heap.close() runs

export { weakref_install } from "./install.js";
export { weakref_module, as_callable, type WeakrefModule, type Callback } from "./module.js";
export { weakref_atexit } from "./finalize.js";
export { is_weakref, is_ref, is_proxy, getweakrefcount, getweakrefs, wr_deref } from "./ref.js";
export { is_weak_container, weak_container_list, weak_container_add } from "./containers.js";
export { is_finalize } from "./finalize.js";
export { WeakrefState } from "./state.js";
