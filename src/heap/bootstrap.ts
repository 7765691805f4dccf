// === Heap start-up (layer 3) ===
//
// Builds a ready HeapState over an allocator, in the order CPython's
// _Py_InitializeMain needs its static objects: the generation list heads, the
// type objects (object and type first, each other's type/base), the singletons
// (None, NotImplemented, True, False, (), "", b""), the small-int cache
// -5..256, the one-character Latin-1 strings and one-byte bytes, then the type
// names and builtin methods. Everything made here is immortal (refcount
// IMMORTAL_REFCNT) and never freed; generation counts start at zero.

import type { Allocator } from "../alloc/types.js";
import { memoryError } from "./errors.js";
import { GcRuntimeState } from "./gcstate.js";
import {
  LONG_DIGITS,
  OB_REFCNT,
  OB_SIZE,
  OB_TYPE,
  SIZEOF_FLOAT,
  SIZEOF_FUNCTION,
  SIZEOF_LIST,
  SIZEOF_METHOD,
  SIZEOF_BUILTIN_METHOD,
  SIZEOF_DESCR,
  SIZEOF_PYOBJECT,
  SIZEOF_SEQITER,
  SIZEOF_TUPLE_HEAD,
  SIZEOF_TYPE,
  SIZEOF_BYTES_HEAD,
  SIZEOF_ASCII_OBJECT,
  SIZEOF_UNICODE_OBJECT,
  TP_NAME,
  FUNC_WEAKLIST,
  METH_WEAKLIST,
  TP_WEAKLIST,
  Py_TPFLAGS_BASETYPE,
  Py_TPFLAGS_LONG_SUBCLASS,
  Py_TPFLAGS_LIST_SUBCLASS,
  Py_TPFLAGS_TUPLE_SUBCLASS,
  Py_TPFLAGS_BYTES_SUBCLASS,
  Py_TPFLAGS_UNICODE_SUBCLASS,
  Py_TPFLAGS_TYPE_SUBCLASS,
} from "./layout.js";
import { HeapState } from "./state.js";
import type { BuiltinTypes, Ref } from "./state.js";
import {
  K_BUILTIN_METHOD,
  K_BYTES,
  K_DESCR,
  K_FLOAT,
  K_FUNCTION,
  K_INT,
  K_ITER,
  K_LIST,
  K_METHOD,
  K_NONE,
  K_NOTIMPLEMENTED,
  K_OBJECT,
  K_STR,
  K_TUPLE,
  K_TYPE,
  type TypeSlots,
} from "./typeslots.js";
import { IMMORTAL_REFCNT, new_type, type TypeSpec } from "./typeobject.js";
import { gc_alloc, gc_list_init, object_alloc } from "./object.js";
import { long_dealloc, long_from_safe, long_new_raw, NSMALLNEGINTS, NSMALLPOSINTS } from "./int.js";
import { float_dealloc } from "./float.js";
import { intern_js, unicode_dealloc, unicode_from_js, unicode_new_raw } from "./str.js";
import { bytes_dealloc, bytes_new_raw } from "./bytes.js";
import { tuple_dealloc, tuple_traverse } from "./tuple.js";
import { list_clear, list_dealloc, list_traverse } from "./list.js";
import {
  builtin_method_dealloc,
  builtin_method_hash,
  builtin_method_richcompare,
  builtin_method_traverse,
  function_clear,
  function_dealloc,
  function_traverse,
  method_dealloc,
  method_hash,
  method_richcompare,
  method_traverse,
} from "./function.js";
import { descr_dealloc, descr_traverse } from "./descr.js";
import { builtin_method_getattro, func_getattro, func_setattro, method_getattro } from "./funcattrs.js";
import { object_dealloc } from "./instance.js";
import { type_clear, type_dealloc, type_traverse } from "./classobject.js";
import {
  bytesiter_next,
  listiter_next,
  seqiter_dealloc,
  seqiter_iternext,
  seqiter_traverse,
  tupleiter_next,
  unicodeiter_next,
} from "./iterobject.js";
import { dict_init_types } from "./dict.js";
import { set_init_types } from "./set.js";
import { mappingproxy_init_type } from "./mappingproxy.js";
import { str_from_codepoint } from "./str.js";
import { install_natives } from "./natives.js";
import { recursion_init } from "./recursion.js";

export interface HeapStateOptions {
  stderr?: (line: string) => void;
}

function immortal(h: HeapState, op: Ref): Ref {
  h.i32[(op + OB_REFCNT) >> 2] = IMMORTAL_REFCNT;
  return op;
}

function never_dealloc(name: string) {
  return (): void => {
    throw new Error(`deallocating ${name}`);
  };
}

/** create_heap_state: a HeapState with every builtin type and cached object in place. */
export function create_heap_state(alloc: Allocator, opts: HeapStateOptions = {}): HeapState {
  const h = new HeapState(alloc, opts.stderr ?? ((line) => console.error(line)));
  recursion_init(h);

  // generation heads (PyGC_Head blocks) and the permanent generation
  const heads: number[] = [];
  for (let i = 0; i < 4; i++) {
    const p = alloc.malloc(8);
    if (p === 0) throw memoryError();
    gc_list_init(h, p);
    heads.push(p);
  }
  h.gc = new GcRuntimeState(heads.slice(0, 3), heads[3]);

  // object and type refer to each other: object first (its ob_type fixed below)
  const object = new_type(h, null, {
    name: "object",
    kind: K_OBJECT,
    base: null,
    basicsize: SIZEOF_PYOBJECT,
    flags: Py_TPFLAGS_BASETYPE,
    tp_dealloc: object_dealloc,
  });
  const type = new_type(h, null, {
    name: "type",
    kind: K_TYPE,
    base: object,
    basicsize: SIZEOF_TYPE,
    flags: Py_TPFLAGS_TYPE_SUBCLASS,
    isGC: true,
    weaklistoffset: TP_WEAKLIST,
    tp_dealloc: type_dealloc,
    tp_traverse: type_traverse,
    tp_clear: type_clear,
  });
  h.i32[(object.ref + OB_TYPE) >> 2] = type.ref;

  const mk = (spec: TypeSpec): TypeSlots => new_type(h, type, spec);
  const T = { type, object } as Partial<BuiltinTypes> as BuiltinTypes;
  h.T = T;
  T.NoneType = mk({ name: "NoneType", kind: K_NONE, base: object, basicsize: SIZEOF_PYOBJECT, tp_dealloc: never_dealloc("None") });
  T.NotImplementedType = mk({
    name: "NotImplementedType",
    kind: K_NOTIMPLEMENTED,
    base: object,
    basicsize: SIZEOF_PYOBJECT,
    tp_dealloc: never_dealloc("NotImplemented"),
  });
  T.int = mk({
    name: "int",
    kind: K_INT,
    base: object,
    basicsize: LONG_DIGITS,
    itemsize: 4,
    flags: Py_TPFLAGS_BASETYPE | Py_TPFLAGS_LONG_SUBCLASS,
    tp_dealloc: long_dealloc,
  });
  T.bool = mk({
    name: "bool",
    kind: K_INT,
    base: T.int,
    basicsize: LONG_DIGITS,
    itemsize: 4,
    flags: Py_TPFLAGS_LONG_SUBCLASS,
    tp_dealloc: never_dealloc("a bool"),
  });
  T.float = mk({ name: "float", kind: K_FLOAT, base: object, basicsize: SIZEOF_FLOAT, flags: Py_TPFLAGS_BASETYPE, tp_dealloc: float_dealloc });
  T.str = mk({
    name: "str",
    kind: K_STR,
    base: object,
    basicsize: SIZEOF_UNICODE_OBJECT, // sizeof(PyUnicodeObject): where a subclass's fields start
    flags: Py_TPFLAGS_BASETYPE | Py_TPFLAGS_UNICODE_SUBCLASS,
    tp_dealloc: unicode_dealloc,
  });
  T.bytes = mk({
    name: "bytes",
    kind: K_BYTES,
    base: object,
    basicsize: SIZEOF_BYTES_HEAD + 1,
    itemsize: 1,
    flags: Py_TPFLAGS_BASETYPE | Py_TPFLAGS_BYTES_SUBCLASS,
    tp_dealloc: bytes_dealloc,
  });
  T.tuple = mk({
    name: "tuple",
    kind: K_TUPLE,
    base: object,
    basicsize: SIZEOF_TUPLE_HEAD,
    itemsize: 4,
    flags: Py_TPFLAGS_BASETYPE | Py_TPFLAGS_TUPLE_SUBCLASS,
    isGC: true,
    tp_dealloc: tuple_dealloc,
    tp_traverse: tuple_traverse,
  });
  T.list = mk({
    name: "list",
    kind: K_LIST,
    base: object,
    basicsize: SIZEOF_LIST,
    flags: Py_TPFLAGS_BASETYPE | Py_TPFLAGS_LIST_SUBCLASS,
    isGC: true,
    tp_dealloc: list_dealloc,
    tp_traverse: list_traverse,
    tp_clear: list_clear,
  });
  T.function = mk({
    name: "function",
    kind: K_FUNCTION,
    base: object,
    basicsize: SIZEOF_FUNCTION,
    isGC: true,
    weaklistoffset: FUNC_WEAKLIST,
    tp_dealloc: function_dealloc,
    tp_traverse: function_traverse,
    tp_clear: function_clear,
    proto: { tp_getattro: func_getattro, tp_setattro: func_setattro },
  });
  T.method = mk({
    name: "method",
    kind: K_METHOD,
    base: object,
    basicsize: SIZEOF_METHOD,
    isGC: true,
    weaklistoffset: METH_WEAKLIST,
    tp_dealloc: method_dealloc,
    tp_traverse: method_traverse,
    proto: { tp_richcompare: method_richcompare, tp_hash: method_hash, tp_getattro: method_getattro },
  });
  T.builtin_function_or_method = mk({
    name: "builtin_function_or_method",
    kind: K_BUILTIN_METHOD,
    base: object,
    basicsize: SIZEOF_BUILTIN_METHOD,
    isGC: true,
    tp_dealloc: builtin_method_dealloc,
    tp_traverse: builtin_method_traverse,
    proto: { tp_richcompare: builtin_method_richcompare, tp_hash: builtin_method_hash, tp_getattro: builtin_method_getattro },
  });
  T.getset_descriptor = mk({
    name: "getset_descriptor",
    kind: K_DESCR,
    base: object,
    basicsize: SIZEOF_DESCR,
    isGC: true,
    tp_dealloc: descr_dealloc,
    tp_traverse: descr_traverse,
  });
  T.member_descriptor = mk({
    name: "member_descriptor",
    kind: K_DESCR,
    base: object,
    basicsize: SIZEOF_DESCR,
    isGC: true,
    tp_dealloc: descr_dealloc,
    tp_traverse: descr_traverse,
  });
  const iterType = (name: string, next: (h: HeapState, it: Ref) => Ref): TypeSlots =>
    mk({
      name,
      kind: K_ITER,
      base: object,
      basicsize: SIZEOF_SEQITER,
      isGC: true,
      tp_dealloc: seqiter_dealloc,
      tp_traverse: seqiter_traverse,
      proto: { tp_iternext: next, tp_iter: (h2, it) => (h2.i32[it >> 2]++, it) },
    });
  T.list_iterator = iterType("list_iterator", listiter_next);
  T.tuple_iterator = iterType("tuple_iterator", tupleiter_next);
  T.str_ascii_iterator = iterType("str_ascii_iterator", (h2, it) => unicodeiter_next(h2, it, str_from_codepoint));
  T.bytes_iterator = iterType("bytes_iterator", bytesiter_next);
  T.iterator = iterType("iterator", seqiter_iternext);
  dict_init_types(h);
  set_init_types(h);
  T.mappingproxy = mappingproxy_init_type(h);

  // singletons
  h.None = immortal(h, object_alloc(h, T.NoneType, SIZEOF_PYOBJECT));
  h.NotImplemented = immortal(h, object_alloc(h, T.NotImplementedType, SIZEOF_PYOBJECT));
  h.False = immortal(h, long_new_raw(h, T.bool, 0));
  h.i32[(h.False + OB_SIZE) >> 2] = 0;
  h.i32[(h.False + LONG_DIGITS) >> 2] = 0;
  h.True = immortal(h, long_new_raw(h, T.bool, 1));
  h.i32[(h.True + OB_SIZE) >> 2] = 1;
  h.i32[(h.True + LONG_DIGITS) >> 2] = 1;
  h.emptyTuple = immortal(h, gc_alloc(h, T.tuple, SIZEOF_TUPLE_HEAD));
  h.i32[(h.emptyTuple + OB_SIZE) >> 2] = 0;
  h.emptyStr = immortal(h, unicode_new_raw(h, T.str, 0, 0));
  h.u8[h.emptyStr + SIZEOF_ASCII_OBJECT] = 0;
  for (let c = 0; c < 256; c++) h.latin1[c] = immortal(h, unicode_from_js(h, T.str, String.fromCharCode(c)));
  // the singletons are the canonical (interned) objects for their values: attribute
  // lookups find one-character names such as "x" through `interned`
  h.interned.set("", h.emptyStr);
  h.internedNames.set(h.emptyStr, "");
  for (let c = 0; c < 256; c++) {
    h.interned.set(String.fromCharCode(c), h.latin1[c]);
    h.internedNames.set(h.latin1[c], String.fromCharCode(c));
  }
  for (let v = -NSMALLNEGINTS; v < NSMALLPOSINTS; v++) {
    h.smallInts[v + NSMALLNEGINTS] = immortal(h, long_from_safe(h, T.int, v));
  }
  h.emptyBytes = immortal(h, bytes_new_raw(h, T.bytes, 0));
  for (let c = 0; c < 256; c++) {
    const b = bytes_new_raw(h, T.bytes, 1);
    h.u8[b + SIZEOF_BYTES_HEAD] = c;
    h.byteChars[c] = immortal(h, b);
  }

  // type names (interned, immortal)
  for (const t of h.types) {
    if (t === undefined) continue;
    const name = intern_js(h, t.name);
    immortal(h, name);
    h.i32[(t.ref + TP_NAME) >> 2] = name;
  }
  install_natives(h);

  // start-up allocations do not count towards the first collection
  h.gc.counts[0] = 0;
  return h;
}
