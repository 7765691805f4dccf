// === Methods of builtin types (layer 3) ===
//
// The methods `getattr` reaches on builtin objects (`list.append`,
// `dict.keys`, ...), as builtin_function_or_method objects bound to self. Each
// ports the CPython 3.11 method of the same name (listobject.c, dictobject.c,
// setobject.c, tupleobject.c), argument-count errors included.

import { PyError } from "./errors.js";
import type { HeapState, Ref } from "./state.js";
import type { NativeMethod, TypeSlots } from "./typeslots.js";
import { native_register } from "./function.js";
import {
  list_append,
  list_clear,
  list_from_array,
  list_get,
  list_insert,
  list_pop,
  list_size,
} from "./list.js";
import { tuple_get, tuple_size } from "./tuple.js";
import { long_as_exact_number, long_from_number } from "./int.js";
import { slots_of } from "./typeobject.js";
import { K_INT } from "./typeslots.js";
import { PyObject_RichCompareBool, Py_EQ, Py_LT } from "./abstract.js";
import { Py_DECREF } from "./refcount.js";
import { iterate_all } from "./construct.js";
import {
  dict_clear,
  dict_copy,
  dict_getitem,
  dict_items,
  dict_keys,
  dict_pop,
  dict_popitem,
  dict_setdefault,
  dict_setitem,
  dict_update,
  dict_values,
} from "./dict.js";
import { str_literal } from "./str.js";
import { LIST_ITEMS } from "./layout.js";
import { PyObject_Repr } from "./repr.js";

/** PyArg_UnpackTuple / METH_NOARGS / METH_O argument-count checks, with their TypeError texts. */
export function args_range(name: string, args: Ref[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    if (min === max) {
      throw new PyError(
        "TypeError",
        min === 0
          ? `${name}() takes no arguments (${args.length} given)`
          : `${name}() takes exactly ${min === 1 ? "one argument" : `${min} arguments`} (${args.length} given)`,
      );
    }
    throw new PyError(
      "TypeError",
      args.length < min
        ? `${name} expected at least ${min} argument${min === 1 ? "" : "s"}, got ${args.length}`
        : `${name} expected at most ${max} argument${max === 1 ? "" : "s"}, got ${args.length}`,
    );
  }
}

function int_arg(h: HeapState, v: Ref): number {
  if (slots_of(h, v).kind !== K_INT) {
    throw new PyError("TypeError", `'${slots_of(h, v).name}' object cannot be interpreted as an integer`);
  }
  return long_as_exact_number(h, v) ?? 0;
}

function none(h: HeapState): Ref {
  h.i32[h.None >> 2]++;
  return h.None;
}

function reg(h: HeapState, t: TypeSlots, methods: Record<string, NativeMethod>): void {
  for (const [name, fn] of Object.entries(methods)) native_register(h, t, name, fn);
}

export function install_natives(h: HeapState): void {
  reg(h, h.T.list, {
    append: (self, args) => {
      args_range("list.append", args, 1, 1);
      list_append(h, self, args[0]);
      return none(h);
    },
    pop: (self, args) => {
      args_range("pop", args, 0, 1);
      return list_pop(h, self, args.length ? int_arg(h, args[0]) : -1);
    },
    insert: (self, args) => {
      args_range("insert", args, 2, 2);
      list_insert(h, self, int_arg(h, args[0]), args[1]);
      return none(h);
    },
    extend: (self, args) => {
      args_range("list.extend", args, 1, 1);
      const items = iterate_all(h, args[0]);
      try {
        for (const v of items) list_append(h, self, v);
      } finally {
        for (const v of items) Py_DECREF(h, v);
      }
      return none(h);
    },
    clear: (self, args) => {
      args_range("list.clear", args, 0, 0);
      list_clear(h, self);
      return none(h);
    },
    copy: (self, args) => {
      args_range("list.copy", args, 0, 0);
      const items: Ref[] = [];
      for (let i = 0; i < list_size(h, self); i++) items.push(list_get(h, self, i));
      return list_from_array(h, items);
    },
    count: (self, args) => {
      args_range("list.count", args, 1, 1);
      let n = 0;
      for (let i = 0; i < list_size(h, self); i++) {
        const v = list_get(h, self, i);
        h.i32[v >> 2]++;
        try {
          if (PyObject_RichCompareBool(h, v, args[0], Py_EQ)) n++;
        } finally {
          Py_DECREF(h, v);
        }
      }
      return long_from_number(h, n);
    },
    index: (self, args) => {
      args_range("index", args, 1, 3);
      for (let i = 0; i < list_size(h, self); i++) {
        const v = list_get(h, self, i);
        h.i32[v >> 2]++;
        try {
          if (PyObject_RichCompareBool(h, v, args[0], Py_EQ)) return long_from_number(h, i);
        } finally {
          Py_DECREF(h, v);
        }
      }
      throw new PyError("ValueError", `${PyObject_Repr(h, args[0])} is not in list`);
    },
    remove: (self, args) => {
      args_range("list.remove", args, 1, 1);
      for (let i = 0; i < list_size(h, self); i++) {
        const v = list_get(h, self, i);
        h.i32[v >> 2]++;
        let eq: boolean;
        try {
          eq = PyObject_RichCompareBool(h, v, args[0], Py_EQ);
        } finally {
          Py_DECREF(h, v);
        }
        if (eq) {
          Py_DECREF(h, list_pop(h, self, i));
          return none(h);
        }
      }
      throw new PyError("ValueError", "list.remove(x): x not in list");
    },
    reverse: (self, args) => {
      args_range("list.reverse", args, 0, 0);
      const n = list_size(h, self);
      const items: Ref[] = [];
      for (let i = 0; i < n; i++) items.push(list_get(h, self, i));
      const base = h.i32[(self + LIST_ITEMS) >> 2] >> 2;
      for (let i = 0; i < n; i++) h.i32[base + i] = items[n - 1 - i];
      return none(h);
    },
    sort: (self, args) => {
      args_range("list.sort", args, 0, 0);
      const n = list_size(h, self);
      const items: Ref[] = [];
      for (let i = 0; i < n; i++) items.push(list_get(h, self, i));
      for (const v of items) h.i32[v >> 2]++;
      try {
        // a stable merge sort with `<`, as list.sort's guarantees
        const sorted = merge_sort(items, (a, b) => PyObject_RichCompareBool(h, a, b, Py_LT));
        if (list_size(h, self) !== n) throw new PyError("ValueError", "list modified during sort");
        const base = h.i32[(self + LIST_ITEMS) >> 2] >> 2;
        for (let i = 0; i < n; i++) h.i32[base + i] = sorted[i];
      } finally {
        for (const v of items) Py_DECREF(h, v);
      }
      return none(h);
    },
  });
  reg(h, h.T.tuple, {
    count: (self, args) => {
      args_range("tuple.count", args, 1, 1);
      let n = 0;
      for (let i = 0; i < tuple_size(h, self); i++) if (PyObject_RichCompareBool(h, tuple_get(h, self, i), args[0], Py_EQ)) n++;
      return long_from_number(h, n);
    },
    index: (self, args) => {
      args_range("index", args, 1, 3);
      for (let i = 0; i < tuple_size(h, self); i++) {
        if (PyObject_RichCompareBool(h, tuple_get(h, self, i), args[0], Py_EQ)) return long_from_number(h, i);
      }
      throw new PyError("ValueError", "tuple.index(x): x not in tuple");
    },
  });
  reg(h, h.T.dict, {
    keys: (self, args) => (args_range("dict.keys", args, 0, 0), dict_keys(h, self)),
    values: (self, args) => (args_range("dict.values", args, 0, 0), dict_values(h, self)),
    items: (self, args) => (args_range("dict.items", args, 0, 0), dict_items(h, self)),
    get: (self, args) => {
      args_range("get", args, 1, 2);
      const v = dict_getitem(h, self, args[0]);
      const r = v !== 0 ? v : args.length > 1 ? args[1] : h.None;
      h.i32[r >> 2]++;
      return r;
    },
    pop: (self, args) => {
      args_range("pop", args, 1, 2);
      return dict_pop(h, self, args[0], args.length > 1 ? args[1] : 0);
    },
    popitem: (self, args) => (args_range("dict.popitem", args, 0, 0), dict_popitem(h, self)),
    setdefault: (self, args) => {
      args_range("setdefault", args, 1, 2);
      // PyDict_SetDefault's result is borrowed; the method returns a new reference
      const v = dict_setdefault(h, self, args[0], args.length > 1 ? args[1] : h.None);
      h.i32[v >> 2]++;
      return v;
    },
    update: (self, args, kwargs) => {
      args_range("update", args, 0, 1);
      if (args.length) dict_update(h, self, args[0]);
      if (kwargs !== null) {
        for (const [k, v] of Object.entries(kwargs)) {
          const key = str_literal(h, k);
          try {
            dict_setitem(h, self, key, v);
          } finally {
            Py_DECREF(h, key);
          }
        }
      }
      return none(h);
    },
    copy: (self, args) => (args_range("dict.copy", args, 0, 0), dict_copy(h, self)),
    clear: (self, args) => {
      args_range("dict.clear", args, 0, 0);
      dict_clear(h, self);
      return none(h);
    },
  });
}

function merge_sort<T>(a: T[], lt: (x: T, y: T) => boolean): T[] {
  if (a.length <= 1) return a.slice();
  const mid = a.length >> 1;
  const l = merge_sort(a.slice(0, mid), lt);
  const r = merge_sort(a.slice(mid), lt);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < l.length && j < r.length) {
    if (lt(r[j], l[i])) out.push(r[j++]);
    else out.push(l[i++]);
  }
  while (i < l.length) out.push(l[i++]);
  while (j < r.length) out.push(r[j++]);
  return out;
}
