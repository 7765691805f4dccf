// === mappingproxy (layer 3) ===
//
// Ports, from CPython 3.11 Objects/descrobject.c, the read-only mapping view a class's
// `__dict__` gives (type_dict → PyDictProxy_New): mappingproxy_getitem, _contains, _len,
// _iter, the methods get / keys / values / items / copy (forwarded to the mapping's own),
// mappingproxy_repr ("mappingproxy(%R)"), mappingproxy_richcompare (the mapping's
// comparison), and no item assignment or deletion and no hash, with CPython's TypeError
// texts; mappingproxy_traverse visits the mapping, the proxy is GC-tracked.
//
// Invariant: MP_MAPPING holds an owned reference to the mapping for the proxy's life.
// Never touches: the mapping's contents (every operation goes through its protocol).

import { MP_MAPPING, SIZEOF_MAPPINGPROXY } from "./layout.js";
import { PyError } from "./errors.js";
import { gc_alloc, gc_track, gc_untrack, object_free } from "./object.js";
import { Py_CLEAR, with_ref } from "./refcount.js";
import type { HeapState, Ref } from "./state.js";
import { K_MAPPINGPROXY, type NativeMethod, type TypeSlots, type Visit } from "./typeslots.js";
import { new_type } from "./typeobject.js";
import { native_register } from "./function.js";
import { args_range } from "./natives.js";
import { PyObject_GetItem, PyObject_GetIter, PyObject_Length, PyObject_RichCompare, PySequence_Contains } from "./abstract.js";
import { PyObject_Repr } from "./repr.js";
import { getattr } from "./attr.js";
import { call_object } from "./call.js";

/** PyDictProxy_New(mapping): a new proxy over `mapping` (borrowed). */
export function mappingproxy_new(h: HeapState, mapping: Ref): Ref {
  const op = gc_alloc(h, h.T.mappingproxy, SIZEOF_MAPPINGPROXY);
  h.i32[mapping >> 2]++;
  h.i32[(op + MP_MAPPING) >> 2] = mapping;
  gc_track(h, op);
  return op;
}

function mapping_of(h: HeapState, op: Ref): Ref {
  return h.i32[(op + MP_MAPPING) >> 2];
}

function mappingproxy_dealloc(h: HeapState, op: Ref): void {
  gc_untrack(h, op);
  Py_CLEAR(h, op + MP_MAPPING);
  object_free(h, op, h.T.mappingproxy);
}

function mappingproxy_traverse<A>(h: HeapState, op: Ref, visit: Visit<A>, arg: A): void {
  const m = mapping_of(h, op);
  if (m !== 0) visit(h, m, arg);
}

/** mapping.name(*args): the mapping's own method, for the forwarding methods */
function call_mapping_method(h: HeapState, op: Ref, name: string, args: Ref[]): Ref {
  return with_ref(h, getattr(h, mapping_of(h, op), name), (m) => call_object(h, m, args, null));
}

/** a method forwarded to the mapping's own, with the argument checks of its C version */
function forward(h: HeapState, name: string, min: number, max: number): NativeMethod {
  return (self, args) => {
    args_range(max === 0 ? `mappingproxy.${name}` : name, args, min, max);
    return call_mapping_method(h, self, name, args);
  };
}

/** Create h.T.mappingproxy and its methods (the bootstrap calls it once). */
export function mappingproxy_init_type(h: HeapState): TypeSlots {
  const t = new_type(h, h.T.type, {
    name: "mappingproxy",
    kind: K_MAPPINGPROXY,
    base: h.T.object,
    basicsize: SIZEOF_MAPPINGPROXY,
    isGC: true,
    tp_dealloc: mappingproxy_dealloc,
    tp_traverse: mappingproxy_traverse,
    proto: {
      tp_repr: (hh, o) => `mappingproxy(${PyObject_Repr(hh, mapping_of(hh, o))})`,
      tp_hash: (hh, o) => {
        throw new PyError("TypeError", `unhashable type: '${hh.T.mappingproxy.name}'`);
      },
      tp_richcompare: (hh, a, b, op) => PyObject_RichCompare(hh, mapping_of(hh, a), b, op),
      mp_length: (hh, o) => PyObject_Length(hh, mapping_of(hh, o)),
      mp_subscript: (hh, o, key) => PyObject_GetItem(hh, mapping_of(hh, o), key),
      mp_ass_subscript: (_hh, _o, _key, value) => {
        throw new PyError("TypeError", `'mappingproxy' object does not support item ${value === 0 ? "deletion" : "assignment"}`);
      },
      sq_contains: (hh, o, key) => PySequence_Contains(hh, mapping_of(hh, o), key),
      tp_iter: (hh, o) => PyObject_GetIter(hh, mapping_of(hh, o)),
      nb_bool: (hh, o) => PyObject_Length(hh, mapping_of(hh, o)) !== 0,
    },
  });
  native_register(h, t, "get", forward(h, "get", 1, 2));
  native_register(h, t, "keys", forward(h, "keys", 0, 0));
  native_register(h, t, "values", forward(h, "values", 0, 0));
  native_register(h, t, "items", forward(h, "items", 0, 0));
  native_register(h, t, "copy", forward(h, "copy", 0, 0));
  return t;
}
