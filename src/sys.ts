// === heap.sys: the memory parts of Python's sys module ===
//
// Ports, from CPython 3.11: sys.getrefcount (ob_refcnt + 1, counting the
// argument), sys.getsizeof (_PySys_GetSizeOf: __sizeof__ plus the type's
// pre-header, i.e. the GC head and managed-dict words), sys.intern,
// sys._debugmallocstats (the allocator's text, a blank line, then the free lists
// of _PyObject_DebugTypeStats: dict, float, list, tuple by size), sys.getallocatedblocks,
// sys.getrecursionlimit / setrecursionlimit (heap/recursion.ts), and
// sys.unraisablehook with the default hook's "Exception ignored in:" text.
//
// An assigned unraisablehook is JS code the heap calls on its own (from deallocators,
// the collector, weakref callbacks): it runs behind a barrier scope (barrier.ts), and
// an exception it raises is reported as _PyErr_WriteUnraisableMsg does
// ("Exception ignored in sys.unraisablehook"), never propagated into the deallocator.

import type { HeapState, Ref, UnraisableHook } from "./heap/state.js";
import { PyError, toPyError } from "./heap/errors.js";
import { slots_of } from "./heap/typeobject.js";
import {
  K_BYTES,
  K_DICT,
  K_INT,
  K_LIST,
  K_SET,
  K_STR,
  K_TUPLE,
} from "./heap/typeslots.js";
import { long_sizeof } from "./heap/int.js";
import { unicode_intern, unicode_sizeof } from "./heap/str.js";
import { bytes_sizeof } from "./heap/bytes.js";
import { tuple_sizeof, PyTuple_MAXSAVESIZE } from "./heap/tuple.js";
import { list_sizeof } from "./heap/list.js";
import { dict_sizeof } from "./heap/dict.js";
import { set_sizeof } from "./heap/set.js";
import { PyObject_Repr } from "./heap/repr.js";
import { OB_REFCNT, SIZEOF_DICT, SIZEOF_FLOAT, SIZEOF_LIST, SIZEOF_TUPLE_HEAD } from "./heap/layout.js";
import { call_object } from "./heap/call.js";
import { long_as_exact_number } from "./heap/int.js";
import { Py_DECREF } from "./heap/refcount.js";
import { with_barrier_scope } from "./heap/barrier.js";
import { set_recursion_limit } from "./heap/recursion.js";
import { clinic_int } from "./heap/args.js";

/** object.__sizeof__ and the builtin overrides, without the pre-header. */
export function object_sizeof(h: HeapState, o: Ref): number {
  const t = slots_of(h, o);
  if (t.heaptype) {
    const m = t.special.get("__sizeof__");
    if (m !== undefined) {
      const r = call_object(h, m, [o], null);
      try {
        const n = long_as_exact_number(h, r);
        if (n === null || n < 0) throw new PyError("ValueError", "__sizeof__() should return >= 0");
        return n;
      } finally {
        Py_DECREF(h, r);
      }
    }
  }
  switch (t.kind) {
    case K_INT:
      return long_sizeof(h, o);
    case K_STR:
      return unicode_sizeof(h, o);
    case K_BYTES:
      return bytes_sizeof(h, o);
    case K_TUPLE:
      // tuple has no __sizeof__: object.__sizeof__ (basicsize + ob_size * itemsize)
      return tuple_sizeof(h, o) + (t.basicsize - SIZEOF_TUPLE_HEAD);
    case K_LIST:
      return list_sizeof(h, o) + (t.basicsize - SIZEOF_LIST);
    case K_DICT:
      return dict_sizeof(h, o);
    case K_SET:
      return set_sizeof(h, o);
  }
  return t.basicsize;
}

/** sys.getsizeof */
export function sys_getsizeof(h: HeapState, o: Ref): number {
  return object_sizeof(h, o) + slots_of(h, o).presize;
}

/** printone: label padded to column 35, '=', the value right-aligned in 21 with thousands separators. */
export function printone(msg: string, value: number): string {
  return msg.padEnd(35, " ") + "=" + value.toLocaleString("en-US").padStart(21, " ") + "\n";
}

/** _PyDebugAllocatorStats */
function allocator_stats(name: string, n: number, size: number): string {
  return printone(`${n} free ${name}s * ${size} bytes each`.padStart(48, " ") + " ", n * size);
}

/** _PyObject_DebugTypeStats: the free lists of dict, float, list and tuple. */
export function debug_type_stats(h: HeapState): string {
  let out = allocator_stats("PyDictObject", h.dictFree.length, SIZEOF_DICT);
  out += allocator_stats("PyFloatObject", h.floatFree.length, SIZEOF_FLOAT);
  out += allocator_stats("PyListObject", h.listFree.length, SIZEOF_LIST);
  for (let i = 0; i < PyTuple_MAXSAVESIZE; i++) {
    out += allocator_stats(`${i + 1}-sized PyTupleObject`, h.tupleFree[i].length, SIZEOF_TUPLE_HEAD + 4 * (i + 1));
  }
  return out;
}

/** The default sys.unraisablehook: CPython's "Exception ignored in:" report. */
export function default_unraisablehook(h: HeapState): UnraisableHook {
  return (err, obj) => {
    const e = toPyError(err);
    if (obj !== null && obj !== 0) {
      let r: string;
      try {
        r = PyObject_Repr(h, obj);
      } catch {
        r = "<object repr() failed>";
      }
      h.stderr(`Exception ignored in: ${r}`);
    }
    const stack = (e.original instanceof Error ? e.original : e).stack;
    const frames = (stack ?? "")
      .split("\n")
      .slice(1)
      .map((l) => /at (?:(.*?) \()?(.*):(\d+):\d+\)?$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null && !m[2].includes("node_modules") && !m[2].startsWith("node:"));
    if (frames.length > 0) {
      h.stderr("Traceback (most recent call last):");
      for (const m of frames.reverse()) h.stderr(`  File "${m[2]}", line ${m[3]}, in ${m[1] ?? "<module>"}`);
    }
    h.stderr(e.toString());
  };
}

/**
 * h.unraisablehook for a hook assigned to sys.unraisablehook: the hook behind a
 * barrier scope; if it raises, its error is written by the default hook after
 * "Exception ignored in sys.unraisablehook" (_PyErr_WriteUnraisableMsg).
 */
function guarded_hook(h: HeapState, fn: UnraisableHook): UnraisableHook {
  return (err, obj) => {
    try {
      with_barrier_scope(h, () => fn(err, obj));
    } catch (e) {
      h.stderr(`Exception ignored in sys.unraisablehook: ${fn.name !== "" ? fn.name : "<hook>"}`);
      default_unraisablehook(h)(toPyError(e), null);
    }
  };
}

/** The heap.sys object. */
export class SysModule {
  readonly #h: HeapState;
  readonly #check: (o: Ref) => void;
  readonly #own: (r: Ref) => Ref;
  /** the hook as assigned (h.unraisablehook is its guarded wrapper) */
  #hook: UnraisableHook;

  /**
   * `check` validates a handle argument; `own` records a returned reference for the
   * innermost heap.scope() (the facade's #own), as every facade method does.
   */
  constructor(h: HeapState, check: (o: Ref) => void, own: (r: Ref) => Ref = (r) => r) {
    this.#h = h;
    this.#check = check;
    this.#own = own;
    this.#hook = default_unraisablehook(h);
    h.unraisablehook = this.#hook;
  }

  /** sys.getrefcount(o): ob_refcnt + 1 (the argument's own reference, as CPython counts it) */
  getrefcount(o: Ref): number {
    this.#check(o);
    return this.#h.i32[(o + OB_REFCNT) >> 2] + 1;
  }

  getsizeof(o: Ref): number {
    this.#check(o);
    return sys_getsizeof(this.#h, o);
  }

  /**
   * sys.intern(s): the canonical str equal to s (new reference). sys_intern_impl:
   * the argument must be a str ("intern() argument must be str, not int", argument
   * clinic) and exactly a str ("can't intern S" for a subclass).
   */
  intern(s: Ref): Ref {
    this.#check(s);
    const h = this.#h;
    const t = slots_of(h, s);
    if (t !== h.T.str) {
      if (t.kind === K_STR) throw new PyError("TypeError", `can't intern ${t.name}`);
      throw new PyError("TypeError", `intern() argument must be str, not ${t.name}`);
    }
    h.i32[s >> 2]++;
    return this.#own(unicode_intern(h, s));
  }

  _debugmallocstats(): string {
    return this.#h.alloc.debugmallocstats() + "\n" + debug_type_stats(this.#h);
  }

  getallocatedblocks(): number {
    return this.#h.alloc.getallocatedblocks();
  }

  /** sys.getrecursionlimit(): the depth at which repr, str and comparisons raise RecursionError */
  getrecursionlimit(): number {
    return this.#h.recursion_limit;
  }

  /** sys.setrecursionlimit(limit) ("i:setrecursionlimit", then Py_SetRecursionLimit's checks) */
  setrecursionlimit(limit: number): void {
    set_recursion_limit(this.#h, clinic_int(limit));
  }

  get unraisablehook(): UnraisableHook {
    return this.#hook;
  }

  set unraisablehook(fn: UnraisableHook) {
    if (typeof fn !== "function") throw new PyError("TypeError", "sys.unraisablehook must be callable");
    this.#hook = fn;
    this.#h.unraisablehook = guarded_hook(this.#h, fn);
  }

  /** sys.__unraisablehook__: the default hook */
  get __unraisablehook__(): UnraisableHook {
    return default_unraisablehook(this.#h);
  }
}
