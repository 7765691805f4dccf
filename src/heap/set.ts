// === set and frozenset: CPython 3.11's open-addressing hash set (layer 3) ===
//
// Ports, from CPython 3.11 Objects/setobject.c:
//   probing         set_lookkey, set_add_entry (LINEAR_PROBES 9, PERTURB_SHIFT 5, dummy
//                   entries reused through `freeslot`), set_insert_clean, set_table_resize,
//                   set_discard_entry, set_contains_entry, set_add_key/contains_key/discard_key
//   whole sets      make_new_set, make_new_set_basetype, set_clear_internal (tp_clear),
//                   set_empty_to_minsize, set_next, set_merge, set_update_internal,
//                   set_swap_bodies, set_pop (the finger), set_dealloc, set_traverse,
//                   frozenset_hash (_shuffle_bits, 32-bit Py_uhash_t), set_sizeof
//   algebra         set_copy, frozenset_copy, set_union, set_intersection(_multi/_update),
//                   set_isdisjoint, set_difference(_multi/_update_internal),
//                   set_symmetric_difference(_update), set_issubset, set_issuperset,
//                   set_richcompare, set_contains / set_remove / set_discard with the
//                   set -> frozenset retry for unhashable set keys
//   iterator        set_iter, setiter_iternext, setiter_dealloc/traverse, setiter_len
//
// Layout (32-bit; offsets in layout.ts): PySetObject = ob_refcnt ob_type fill used mask
// table hash finger smalltable[8]{key, hash} weakreflist (100 bytes + the GC head).
// A slot is unused (key 0, hash 0), active, or a dummy (key = the heap's dummy object,
// hash -1). `fill` counts active + dummy slots, `used` active ones.
//
// Invariants (as 3.11): fill <= mask (at least one unused slot), fill*5 < mask*3 after
// every insertion into an unused slot; sets and frozensets are created tracked; the
// dummy is never increfed, compared or visited, and never freed.
//
// Never touches: the keys' payload (only their refcounts); weakrefs other than through
// h.weakrefHooks.clearWeakRefs.

import {
  OB_TYPE,
  Py_TPFLAGS_BASETYPE,
  SETENTRY_HASH,
  SETENTRY_KEY,
  SETITER_LEN,
  SETITER_POS,
  SETITER_SET,
  SETITER_USED,
  SET_FILL,
  SET_FINGER,
  SET_HASH,
  SET_MASK,
  SET_SMALLTABLE,
  SET_TABLE,
  SET_USED,
  SET_WEAKREFLIST,
  SIZEOF_PYOBJECT,
  SIZEOF_SET,
  SIZEOF_SETENTRY,
  SIZEOF_SETITER,
  TP_BASICSIZE,
  TP_KIND,
  PySet_MINSIZE,
} from "./layout.js";
import { PyError, toPyError } from "./errors.js";
import { gc_alloc, gc_track, gc_untrack, mem_free, mem_malloc, object_alloc, object_free } from "./object.js";
import { filled, Py_DECREF, Py_INCREF, trash_begin, trash_end } from "./refcount.js";
import type { HeapState, Ref } from "./state.js";
import { IMMORTAL_REFCNT, is_subtype, new_type, slots_of } from "./typeobject.js";
import { K_ITER, K_SET, Py_EQ, Py_GE, Py_GT, Py_LE, Py_LT, Py_NE, type NativeMethod, type TypeSlots, type Visit } from "./typeslots.js";
import { native_register } from "./function.js";
import { long_from_number } from "./int.js";
import { PyIter_Next, PyObject_GetIter, PyObject_Hash, PyObject_RichCompareBool } from "./abstract.js";
import { unicode_eq } from "./str.js";
import {
  dict_contains_knownhash,
  dict_key_hash,
  dict_len,
  dict_next,
  dict_pos_hash,
  dict_pos_key,
  is_exact_dict,
  key_error,
} from "./dict.js";

declare module "./state.js" {
  interface HeapState {
    /** setobject.c's `dummy`: the key of deleted set slots (never freed) */
    setDummy: Ref;
    /** key and hash of the entry the last set_next call stepped over (borrowed) */
    setIterKey: Ref;
    setIterHash: number;
  }
}

/** Set this to zero to turn off linear probing */
export const LINEAR_PROBES = 9;
/** This must be >= 1 */
export const PERTURB_SHIFT = 5;
export const DISCARD_NOTFOUND = 0;
export const DISCARD_FOUND = 1;

// ---- small helpers ------------------------------------------------------------------

/** PyAnySet_Check: set, frozenset or a subclass */
export function is_anyset(h: HeapState, o: Ref): boolean {
  const i32 = h.i32;
  return i32[(i32[(o + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_SET;
}

/** PySet_Check: set or a subclass (not frozenset) */
export function is_set(h: HeapState, o: Ref): boolean {
  return is_anyset(h, o) && is_subtype(slots_of(h, o), h.T.set);
}

/** PyFrozenSet_CheckExact */
export function is_exact_frozenset(h: HeapState, o: Ref): boolean {
  return h.i32[(o + OB_TYPE) >> 2] === h.T.frozenset.ref;
}

/** PyAnySet_CheckExact */
function is_anyset_exact(h: HeapState, o: Ref): boolean {
  const t = h.i32[(o + OB_TYPE) >> 2];
  return t === h.T.set.ref || t === h.T.frozenset.ref;
}

function is_exact_str(h: HeapState, o: Ref): boolean {
  return h.i32[(o + OB_TYPE) >> 2] === h.T.str.ref;
}

/** PySet_GET_SIZE */
export function set_len(h: HeapState, so: Ref): number {
  return h.i32[(so + SET_USED) >> 2];
}

/** One PyObject_RichCompareBool(startkey, key, Py_EQ) with startkey kept alive. */
function compare_startkey(h: HeapState, startkey: Ref, key: Ref): boolean {
  Py_INCREF(h, startkey);
  try {
    return PyObject_RichCompareBool(h, startkey, key, Py_EQ);
  } finally {
    Py_DECREF(h, startkey);
  }
}

// ---- probing the hash table ------------------------------------------------------------

/**
 * set_lookkey: the entry holding `key`, or the unused entry that ends its probe
 * sequence (key 0). A comparison that mutated the set restarts the search.
 */
export function set_lookkey(h: HeapState, so: Ref, key: Ref, hash: number): number {
  restart: for (;;) {
    let mask = h.i32[(so + SET_MASK) >> 2];
    let i = hash & mask;
    let perturb = hash >>> 0;
    for (;;) {
      let entry = h.i32[(so + SET_TABLE) >> 2] + i * SIZEOF_SETENTRY;
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      do {
        const i32 = h.i32;
        const ehash = i32[(entry + SETENTRY_HASH) >> 2];
        const startkey = i32[(entry + SETENTRY_KEY) >> 2];
        if (ehash === 0 && startkey === 0) return entry;
        if (ehash === hash) {
          if (startkey === key) return entry;
          if (is_exact_str(h, startkey) && is_exact_str(h, key) && unicode_eq(h, startkey, key)) return entry;
          const table = i32[(so + SET_TABLE) >> 2];
          const cmp = compare_startkey(h, startkey, key);
          if (table !== h.i32[(so + SET_TABLE) >> 2] || h.i32[(entry + SETENTRY_KEY) >> 2] !== startkey) continue restart;
          if (cmp) return entry;
          mask = h.i32[(so + SET_MASK) >> 2];
        }
        entry += SIZEOF_SETENTRY;
      } while (probes-- > 0);
      perturb >>>= PERTURB_SHIFT;
      i = (i * 5 + 1 + perturb) & mask;
    }
  }
}

/**
 * set_add_entry: add key (borrowed; the set takes its own reference) with its hash.
 * An equal key already present is kept. Inserting into an unused slot may resize.
 */
export function set_add_entry(h: HeapState, so: Ref, key: Ref, hash: number): void {
  // Pre-increment is necessary to prevent arbitrary code in the rich comparison from
  // deallocating the key just before the insertion.
  Py_INCREF(h, key);
  restart: for (;;) {
    let mask = h.i32[(so + SET_MASK) >> 2];
    let i = hash & mask;
    let freeslot = 0;
    let perturb = hash >>> 0;
    for (;;) {
      let entry = h.i32[(so + SET_TABLE) >> 2] + i * SIZEOF_SETENTRY;
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      do {
        const i32 = h.i32;
        const ehash = i32[(entry + SETENTRY_HASH) >> 2];
        const startkey = i32[(entry + SETENTRY_KEY) >> 2];
        if (ehash === 0 && startkey === 0) {
          // found_unused_or_dummy
          if (freeslot !== 0) {
            i32[(so + SET_USED) >> 2]++;
            i32[(freeslot + SETENTRY_KEY) >> 2] = key;
            i32[(freeslot + SETENTRY_HASH) >> 2] = hash;
            return;
          }
          // found_unused
          const fill = ++i32[(so + SET_FILL) >> 2];
          const used = ++i32[(so + SET_USED) >> 2];
          i32[(entry + SETENTRY_KEY) >> 2] = key;
          i32[(entry + SETENTRY_HASH) >> 2] = hash;
          if (fill * 5 < mask * 3) return;
          set_table_resize(h, so, used > 50000 ? used * 2 : used * 4);
          return;
        }
        if (ehash === hash) {
          if (startkey === key || (is_exact_str(h, startkey) && is_exact_str(h, key) && unicode_eq(h, startkey, key))) {
            Py_DECREF(h, key); // found_active
            return;
          }
          const table = i32[(so + SET_TABLE) >> 2];
          let cmp: boolean;
          try {
            cmp = compare_startkey(h, startkey, key);
          } catch (e) {
            Py_DECREF(h, key); // comparison_error
            throw e;
          }
          if (cmp) {
            Py_DECREF(h, key);
            return;
          }
          if (table !== h.i32[(so + SET_TABLE) >> 2] || h.i32[(entry + SETENTRY_KEY) >> 2] !== startkey) continue restart;
          mask = h.i32[(so + SET_MASK) >> 2];
        } else if (ehash === -1) {
          freeslot = entry;
        }
        entry += SIZEOF_SETENTRY;
      } while (probes-- > 0);
      perturb >>>= PERTURB_SHIFT;
      i = (i * 5 + 1 + perturb) & mask;
    }
  }
}

/**
 * set_insert_clean: put a key known to be absent into a table without dummies (no
 * comparisons, no reference changes, fill/used left to the caller).
 */
function set_insert_clean(h: HeapState, table: number, mask: number, key: Ref, hash: number): void {
  const i32 = h.i32;
  let perturb = hash >>> 0;
  let i = hash & mask;
  for (;;) {
    let entry = table + i * SIZEOF_SETENTRY;
    if (i32[(entry + SETENTRY_KEY) >> 2] === 0) {
      i32[(entry + SETENTRY_KEY) >> 2] = key;
      i32[(entry + SETENTRY_HASH) >> 2] = hash;
      return;
    }
    if (i + LINEAR_PROBES <= mask) {
      for (let j = 0; j < LINEAR_PROBES; j++) {
        entry += SIZEOF_SETENTRY;
        if (i32[(entry + SETENTRY_KEY) >> 2] === 0) {
          i32[(entry + SETENTRY_KEY) >> 2] = key;
          i32[(entry + SETENTRY_HASH) >> 2] = hash;
          return;
        }
      }
    }
    perturb >>>= PERTURB_SHIFT;
    i = (i * 5 + 1 + perturb) & mask;
  }
}

/**
 * set_table_resize: rebuild the table with the smallest power-of-two size > minused
 * (the in-object smalltable when that is PySet_MINSIZE), dropping dummies.
 */
export function set_table_resize(h: HeapState, so: Ref, minused: number): void {
  let newsize = PySet_MINSIZE;
  while (newsize <= minused) newsize *= 2;
  if (newsize > 2 ** 28) throw new PyError("MemoryError", "");
  let i32 = h.i32;
  const smalltable = so + SET_SMALLTABLE;
  const oldtable = i32[(so + SET_TABLE) >> 2];
  const oldmask = i32[(so + SET_MASK) >> 2];
  const is_oldtable_malloced = oldtable !== smalltable;
  let newtable: number;
  // the old entries, {key, hash} pairs, when they must be read from a copy
  let small_copy: Int32Array | null = null;
  if (newsize === PySet_MINSIZE) {
    // A large table is shrinking, or we can't get any smaller.
    newtable = smalltable;
    if (newtable === oldtable) {
      if (i32[(so + SET_FILL) >> 2] === i32[(so + SET_USED) >> 2]) return; // no dummies
      // Rebuild the small table anyway to purge the dummies (necessary when fill == size).
      small_copy = i32.slice(oldtable >> 2, (oldtable >> 2) + 2 * PySet_MINSIZE);
    }
  } else {
    newtable = mem_malloc(h, newsize * SIZEOF_SETENTRY);
    i32 = h.i32;
  }
  // Make the set empty, using the new table.
  h.u8.fill(0, newtable, newtable + newsize * SIZEOF_SETENTRY);
  i32[(so + SET_MASK) >> 2] = newsize - 1;
  i32[(so + SET_TABLE) >> 2] = newtable;
  const newmask = newsize - 1;
  const dummy = h.setDummy;
  const src = small_copy ?? i32;
  const base = small_copy !== null ? 0 : oldtable >> 2;
  const n = oldmask + 1;
  // Copy the data over; refcount-neutral for active entries; dummies are not copied.
  if (i32[(so + SET_FILL) >> 2] === i32[(so + SET_USED) >> 2]) {
    for (let j = 0; j < n; j++) {
      const key = src[base + 2 * j];
      if (key !== 0) set_insert_clean(h, newtable, newmask, key, src[base + 2 * j + 1]);
    }
  } else {
    i32[(so + SET_FILL) >> 2] = i32[(so + SET_USED) >> 2];
    for (let j = 0; j < n; j++) {
      const key = src[base + 2 * j];
      if (key !== 0 && key !== dummy) set_insert_clean(h, newtable, newmask, key, src[base + 2 * j + 1]);
    }
  }
  if (is_oldtable_malloced) mem_free(h, oldtable);
}

/** set_contains_entry */
function set_contains_entry(h: HeapState, so: Ref, key: Ref, hash: number): boolean {
  const entry = set_lookkey(h, so, key, hash);
  return h.i32[(entry + SETENTRY_KEY) >> 2] !== 0;
}

/** set_discard_entry: replace the key by the dummy; DISCARD_FOUND or DISCARD_NOTFOUND */
export function set_discard_entry(h: HeapState, so: Ref, key: Ref, hash: number): number {
  const entry = set_lookkey(h, so, key, hash);
  const i32 = h.i32;
  const old_key = i32[(entry + SETENTRY_KEY) >> 2];
  if (old_key === 0) return DISCARD_NOTFOUND;
  i32[(entry + SETENTRY_KEY) >> 2] = h.setDummy;
  i32[(entry + SETENTRY_HASH) >> 2] = -1;
  i32[(so + SET_USED) >> 2]--;
  Py_DECREF(h, old_key);
  return DISCARD_FOUND;
}

/** set_add_key (PySet_Add): add key (borrowed). TypeError for unhashable keys. */
export function set_add(h: HeapState, so: Ref, key: Ref): void {
  set_add_entry(h, so, key, dict_key_hash(h, key));
}

/** set_contains_key (PySet_Contains) */
export function set_contains_key(h: HeapState, so: Ref, key: Ref): boolean {
  return set_contains_entry(h, so, key, dict_key_hash(h, key));
}

/** set_discard_key (PySet_Discard): true when the key was present */
export function set_discard_key(h: HeapState, so: Ref, key: Ref): boolean {
  return set_discard_entry(h, so, key, dict_key_hash(h, key)) === DISCARD_FOUND;
}

/**
 * Run `op` with `key`; if that raises TypeError and key is a set, run it again with
 * frozenset(key) (set_contains / set_remove / set_discard accept sets as keys).
 */
function with_frozen_retry<T>(h: HeapState, key: Ref, op: (k: Ref) => T): T {
  if (!is_set(h, key)) return op(key);
  try {
    return op(key);
  } catch (e) {
    const err = toPyError(e);
    if (!err.is("TypeError")) throw e;
  }
  const tmpkey = make_new_set(h, h.T.frozenset, key);
  try {
    return op(tmpkey);
  } finally {
    Py_DECREF(h, tmpkey);
  }
}

/** set_contains (`key in s`) */
export function set_contains(h: HeapState, so: Ref, key: Ref): boolean {
  return with_frozen_retry(h, key, (k) => set_contains_key(h, so, k));
}

/** set.discard(key): true when it was present */
export function set_discard(h: HeapState, so: Ref, key: Ref): boolean {
  return with_frozen_retry(h, key, (k) => set_discard_key(h, so, k));
}

/** set.remove(key): KeyError(repr(key)) when missing */
export function set_remove(h: HeapState, so: Ref, key: Ref): void {
  if (!with_frozen_retry(h, key, (k) => set_discard_key(h, so, k))) throw key_error(h, key);
}

// ---- whole-set operations ------------------------------------------------------------------

/** set_empty_to_minsize */
function set_empty_to_minsize(h: HeapState, so: Ref): void {
  const i32 = h.i32;
  for (let i = (so + SET_SMALLTABLE) >> 2, end = i + ((PySet_MINSIZE * SIZEOF_SETENTRY) >> 2); i < end; i++) i32[i] = 0;
  i32[(so + SET_FILL) >> 2] = 0;
  i32[(so + SET_USED) >> 2] = 0;
  i32[(so + SET_MASK) >> 2] = PySet_MINSIZE - 1;
  i32[(so + SET_TABLE) >> 2] = so + SET_SMALLTABLE;
  i32[(so + SET_HASH) >> 2] = -1;
}

/**
 * set_clear_internal (set.clear(), tp_clear): the set is made empty before any key is
 * released, since the decrefs may mutate it.
 */
export function set_clear(h: HeapState, so: Ref): void {
  const i32 = h.i32;
  let table = i32[(so + SET_TABLE) >> 2];
  const fill = i32[(so + SET_FILL) >> 2];
  let used = i32[(so + SET_USED) >> 2];
  const mask = i32[(so + SET_MASK) >> 2];
  const table_is_malloced = table !== so + SET_SMALLTABLE;
  let keys: Int32Array | null = null;
  if (table_is_malloced) {
    set_empty_to_minsize(h, so);
  } else if (fill > 0) {
    // A small table with something to clear: copy its entries first.
    keys = i32.slice(table >> 2, (table >> 2) + 2 * PySet_MINSIZE);
    set_empty_to_minsize(h, so);
  } else {
    return; // a small table that's already empty
  }
  const dummy = h.setDummy;
  for (let j = 0; used > 0 && j <= mask; j++) {
    const key = keys !== null ? keys[2 * j] : h.i32[(table >> 2) + 2 * j];
    if (key !== 0 && key !== dummy) {
      used--;
      Py_DECREF(h, key);
    }
  }
  if (table_is_malloced) mem_free(h, table);
}
export { set_clear as set_clear_internal, set_clear as set_tp_clear };

/**
 * set_next: from `pos` (0 to start), the position after the next active entry or -1.
 * The entry's key and hash are left in h.setIterKey / h.setIterHash (borrowed);
 * set_pos_key / set_pos_hash(h, s, returnedPos) read them again. Nothing is allocated.
 */
export function set_next(h: HeapState, so: Ref, pos: number): number {
  const i32 = h.i32;
  const mask = i32[(so + SET_MASK) >> 2];
  const table = i32[(so + SET_TABLE) >> 2];
  const dummy = h.setDummy;
  for (let i = pos; i <= mask; i++) {
    const entry = table + i * SIZEOF_SETENTRY;
    const key = i32[(entry + SETENTRY_KEY) >> 2];
    if (key !== 0 && key !== dummy) {
      h.setIterKey = key;
      h.setIterHash = i32[(entry + SETENTRY_HASH) >> 2];
      return i + 1;
    }
  }
  return -1;
}

/** the key (borrowed) of the entry set_next returned `pos` for */
export function set_pos_key(h: HeapState, so: Ref, pos: number): Ref {
  return h.i32[(h.i32[(so + SET_TABLE) >> 2] + (pos - 1) * SIZEOF_SETENTRY + SETENTRY_KEY) >> 2];
}

/** the stored hash of the entry set_next returned `pos` for */
export function set_pos_hash(h: HeapState, so: Ref, pos: number): number {
  return h.i32[(h.i32[(so + SET_TABLE) >> 2] + (pos - 1) * SIZEOF_SETENTRY + SETENTRY_HASH) >> 2];
}

/** The keys (borrowed) in table order, as iteration yields them. */
export function set_keys_array(h: HeapState, so: Ref): Ref[] {
  const out: Ref[] = [];
  for (let p = set_next(h, so, 0); p !== -1; p = set_next(h, so, p)) out.push(set_pos_key(h, so, p));
  return out;
}

/**
 * set_dealloc: untrack, then (through the trashcan for exact sets and frozensets)
 * clear the weakrefs, release the keys, free a malloced table and the object.
 */
export function set_dealloc(h: HeapState, so: Ref): void {
  let used = h.i32[(so + SET_USED) >> 2];
  // bpo-31095: UnTrack is needed before calling any callbacks
  gc_untrack(h, so);
  const t = h.i32[(so + OB_TYPE) >> 2];
  const exact = t === h.T.set.ref || t === h.T.frozenset.ref;
  if (exact && trash_begin(h, so)) return;
  if (h.i32[(so + SET_WEAKREFLIST) >> 2] !== 0) h.weakrefHooks?.clearWeakRefs(so);
  const table = h.i32[(so + SET_TABLE) >> 2];
  const dummy = h.setDummy;
  for (let entry = table; used > 0; entry += SIZEOF_SETENTRY) {
    const key = h.i32[(entry + SETENTRY_KEY) >> 2];
    if (key !== 0 && key !== dummy) {
      used--;
      Py_DECREF(h, key);
    }
  }
  if (table !== so + SET_SMALLTABLE) mem_free(h, table);
  object_free(h, so, slots_of(h, so));
  if (exact) trash_end(h);
}

/** set_traverse: the keys in table order */
export function set_traverse<A>(h: HeapState, so: Ref, visit: Visit<A>, arg: A): void {
  for (let p = set_next(h, so, 0); p !== -1; p = set_next(h, so, p)) visit(h, set_pos_key(h, so, p), arg);
}

/** _shuffle_bits with 32-bit Py_uhash_t arithmetic */
function _shuffle_bits(hh: number): number {
  return Math.imul(hh ^ 89869747 ^ (hh << 16), 3644798167 | 0);
}

/**
 * frozenset_hash: xor of the shuffled hashes of all slots, corrected for the unused and
 * dummy ones, mixed with the size; cached in SET_HASH. Never -1.
 */
export function frozenset_hash(h: HeapState, so: Ref): number {
  const i32 = h.i32;
  const cached = i32[(so + SET_HASH) >> 2];
  if (cached !== -1) return cached;
  const table = i32[(so + SET_TABLE) >> 2];
  const mask = i32[(so + SET_MASK) >> 2];
  let hash = 0;
  for (let j = 0; j <= mask; j++) hash ^= _shuffle_bits(i32[(table + j * SIZEOF_SETENTRY + SETENTRY_HASH) >> 2]);
  const fill = i32[(so + SET_FILL) >> 2];
  const used = i32[(so + SET_USED) >> 2];
  // Remove the effect of an odd number of NULL entries
  if ((mask + 1 - fill) & 1) hash ^= _shuffle_bits(0);
  // Remove the effect of an odd number of dummy entries
  if ((fill - used) & 1) hash ^= _shuffle_bits(-1);
  // Factor in the number of active entries
  hash ^= Math.imul(used + 1, 1927868237);
  // Disperse patterns arising in nested frozensets
  hash ^= (hash >>> 11) ^ (hash >>> 25);
  hash = (Math.imul(hash, 69069) + 907133923) | 0;
  // -1 is reserved as an error code
  if (hash === -1) hash = 590923713;
  i32[(so + SET_HASH) >> 2] = hash;
  return hash;
}

/** set_sizeof (set.__sizeof__): sys.getsizeof adds the 8-byte GC head */
export function set_sizeof(h: HeapState, so: Ref): number {
  const i32 = h.i32;
  let res = i32[(i32[(so + OB_TYPE) >> 2] + TP_BASICSIZE) >> 2];
  const table = i32[(so + SET_TABLE) >> 2];
  if (table !== so + SET_SMALLTABLE) res += (i32[(so + SET_MASK) >> 2] + 1) * SIZEOF_SETENTRY;
  return res;
}

/**
 * set_pop: remove and return (new reference) the first active entry from the finger
 * on; KeyError 'pop from an empty set'.
 */
export function set_pop(h: HeapState, so: Ref): Ref {
  const i32 = h.i32;
  const table = i32[(so + SET_TABLE) >> 2];
  const mask = i32[(so + SET_MASK) >> 2];
  // Make sure the search finger is in bounds
  let entry = table + (i32[(so + SET_FINGER) >> 2] & mask) * SIZEOF_SETENTRY;
  const limit = table + mask * SIZEOF_SETENTRY;
  if (i32[(so + SET_USED) >> 2] === 0) throw new PyError("KeyError", "'pop from an empty set'");
  const dummy = h.setDummy;
  for (;;) {
    const key = i32[(entry + SETENTRY_KEY) >> 2];
    if (key !== 0 && key !== dummy) break;
    entry += SIZEOF_SETENTRY;
    if (entry > limit) entry = table;
  }
  const key = i32[(entry + SETENTRY_KEY) >> 2];
  i32[(entry + SETENTRY_KEY) >> 2] = dummy;
  i32[(entry + SETENTRY_HASH) >> 2] = -1;
  i32[(so + SET_USED) >> 2]--;
  i32[(so + SET_FINGER) >> 2] = (entry - table) / SIZEOF_SETENTRY + 1; // next place to start
  return key;
}

/** set_merge: add every key of another set or frozenset, reusing its stored hashes */
function set_merge(h: HeapState, so: Ref, other: Ref): void {
  let i32 = h.i32;
  if (other === so || i32[(other + SET_USED) >> 2] === 0) return; // a.update(a) or a.update(set())
  // Do one big resize at the start, rather than incrementally resizing.
  if ((i32[(so + SET_FILL) >> 2] + i32[(other + SET_USED) >> 2]) * 5 >= i32[(so + SET_MASK) >> 2] * 3) {
    set_table_resize(h, so, (i32[(so + SET_USED) >> 2] + i32[(other + SET_USED) >> 2]) * 2);
    i32 = h.i32;
  }
  const so_table = i32[(so + SET_TABLE) >> 2];
  const other_table = i32[(other + SET_TABLE) >> 2];
  const omask = i32[(other + SET_MASK) >> 2];
  const dummy = h.setDummy;

  // If our table is empty, both tables have the same size, and there are no dummies
  // to eliminate, then just copy the pointers.
  if (
    i32[(so + SET_FILL) >> 2] === 0 &&
    i32[(so + SET_MASK) >> 2] === omask &&
    i32[(other + SET_FILL) >> 2] === i32[(other + SET_USED) >> 2]
  ) {
    for (let j = 0; j <= omask; j++) {
      const oe = other_table + j * SIZEOF_SETENTRY;
      const key = i32[(oe + SETENTRY_KEY) >> 2];
      if (key !== 0) {
        const se = so_table + j * SIZEOF_SETENTRY;
        i32[key >> 2]++;
        i32[(se + SETENTRY_KEY) >> 2] = key;
        i32[(se + SETENTRY_HASH) >> 2] = i32[(oe + SETENTRY_HASH) >> 2];
      }
    }
    i32[(so + SET_FILL) >> 2] = i32[(other + SET_FILL) >> 2];
    i32[(so + SET_USED) >> 2] = i32[(other + SET_USED) >> 2];
    return;
  }

  // If our table is empty, we can use set_insert_clean()
  if (i32[(so + SET_FILL) >> 2] === 0) {
    const newmask = i32[(so + SET_MASK) >> 2];
    i32[(so + SET_FILL) >> 2] = i32[(other + SET_USED) >> 2];
    i32[(so + SET_USED) >> 2] = i32[(other + SET_USED) >> 2];
    for (let j = 0; j <= omask; j++) {
      const oe = other_table + j * SIZEOF_SETENTRY;
      const key = i32[(oe + SETENTRY_KEY) >> 2];
      if (key !== 0 && key !== dummy) {
        i32[key >> 2]++;
        set_insert_clean(h, so_table, newmask, key, i32[(oe + SETENTRY_HASH) >> 2]);
      }
    }
    return;
  }

  // We can't assure there are no duplicates, so do normal insertions
  for (let j = 0; j <= h.i32[(other + SET_MASK) >> 2]; j++) {
    const oe = h.i32[(other + SET_TABLE) >> 2] + j * SIZEOF_SETENTRY;
    const key = h.i32[(oe + SETENTRY_KEY) >> 2];
    if (key !== 0 && key !== dummy) set_add_entry(h, so, key, h.i32[(oe + SETENTRY_HASH) >> 2]);
  }
}

/** Call fn with every item of an iterable (new references are released after each call). */
function for_each_item(h: HeapState, iterable: Ref, fn: (item: Ref) => boolean | void): void {
  const it = PyObject_GetIter(h, iterable);
  try {
    for (;;) {
      const key = PyIter_Next(h, it);
      if (key === 0) break;
      let stop: boolean | void;
      try {
        stop = fn(key);
      } finally {
        Py_DECREF(h, key);
      }
      if (stop === true) break;
    }
  } finally {
    Py_DECREF(h, it);
  }
}

/**
 * The entries of a set or frozenset with their stored hashes, as setobject.c's
 * `while (set_next(so, &pos, &entry))` loops: each key held by a new reference while
 * fn runs (a rich comparison inside may drop it from the set); fn returns true to stop.
 */
function for_each_entry(h: HeapState, so: Ref, fn: (key: Ref, hash: number) => boolean | void): void {
  for (let p = set_next(h, so, 0); p !== -1; p = set_next(h, so, p)) {
    const key = set_pos_key(h, so, p);
    Py_INCREF(h, key);
    let stop: boolean | void;
    try {
      stop = fn(key, set_pos_hash(h, so, p));
    } finally {
      Py_DECREF(h, key);
    }
    if (stop === true) return;
  }
}

/**
 * set_update_internal: add the keys of a set/frozenset (stored hashes), an exact dict
 * (stored hashes, one resize first), or any iterable.
 */
export function set_update_internal(h: HeapState, so: Ref, other: Ref): void {
  if (is_anyset(h, other)) {
    set_merge(h, so, other);
    return;
  }
  if (is_exact_dict(h, other)) {
    const dictsize = dict_len(h, other);
    const i32 = h.i32;
    // Do one big resize at the start, rather than incrementally resizing.
    if ((i32[(so + SET_FILL) >> 2] + dictsize) * 5 >= i32[(so + SET_MASK) >> 2] * 3) {
      set_table_resize(h, so, (i32[(so + SET_USED) >> 2] + dictsize) * 2);
    }
    for (let p = dict_next(h, other, 0); p !== -1; p = dict_next(h, other, p)) {
      set_add_entry(h, so, dict_pos_key(h, other, p), dict_pos_hash(h, other, p));
    }
    return;
  }
  for_each_item(h, other, (key) => {
    set_add(h, so, key);
  });
}

/**
 * make_new_set: a new set/frozenset (or subclass instance) of type `t`, tracked, filled
 * from `iterable` when given (new reference).
 */
export function make_new_set(h: HeapState, t: TypeSlots, iterable: Ref = 0): Ref {
  const so = gc_alloc(h, t, t.basicsize);
  const i32 = h.i32;
  for (let i = (so + SIZEOF_PYOBJECT) >> 2, end = (so + t.basicsize) >> 2; i < end; i++) i32[i] = 0;
  i32[(so + SET_MASK) >> 2] = PySet_MINSIZE - 1;
  i32[(so + SET_TABLE) >> 2] = so + SET_SMALLTABLE;
  i32[(so + SET_HASH) >> 2] = -1;
  gc_track(h, so); // PyType_GenericAlloc tracks GC objects
  if (iterable !== 0) {
    try {
      set_update_internal(h, so, iterable);
    } catch (e) {
      Py_DECREF(h, so);
      throw e;
    }
  }
  return so;
}

/** PySet_New / PyFrozenSet_New without an iterable: a new empty set or frozenset */
export function set_new(h: HeapState, frozen: boolean): Ref {
  return make_new_set(h, frozen ? h.T.frozenset : h.T.set, 0);
}

/** make_new_set_basetype: results of operations on subclass instances are plain sets/frozensets */
function make_new_set_basetype(h: HeapState, t: TypeSlots, iterable: Ref): Ref {
  if (t !== h.T.set && t !== h.T.frozenset) t = is_subtype(t, h.T.set) ? h.T.set : h.T.frozenset;
  return make_new_set(h, t, iterable);
}

/** set_swap_bodies: exchange the contents of two sets (hashes kept only between frozensets) */
function set_swap_bodies(h: HeapState, a: Ref, b: Ref): void {
  const i32 = h.i32;
  for (const off of [SET_FILL, SET_USED, SET_MASK]) {
    const t = i32[(a + off) >> 2];
    i32[(a + off) >> 2] = i32[(b + off) >> 2];
    i32[(b + off) >> 2] = t;
  }
  const asmall = a + SET_SMALLTABLE;
  const bsmall = b + SET_SMALLTABLE;
  const atable = i32[(a + SET_TABLE) >> 2];
  const btable = i32[(b + SET_TABLE) >> 2];
  const u = atable === asmall ? bsmall : atable;
  i32[(a + SET_TABLE) >> 2] = btable === bsmall ? asmall : btable;
  i32[(b + SET_TABLE) >> 2] = u;
  if (i32[(a + SET_TABLE) >> 2] === asmall || i32[(b + SET_TABLE) >> 2] === bsmall) {
    const n = 2 * PySet_MINSIZE;
    const tab = i32.slice(asmall >> 2, (asmall >> 2) + n);
    i32.copyWithin(asmall >> 2, bsmall >> 2, (bsmall >> 2) + n);
    i32.set(tab, bsmall >> 2);
  }
  if (is_subtype(slots_of(h, a), h.T.frozenset) && is_subtype(slots_of(h, b), h.T.frozenset)) {
    const t = i32[(a + SET_HASH) >> 2];
    i32[(a + SET_HASH) >> 2] = i32[(b + SET_HASH) >> 2];
    i32[(b + SET_HASH) >> 2] = t;
  } else {
    i32[(a + SET_HASH) >> 2] = -1;
    i32[(b + SET_HASH) >> 2] = -1;
  }
}

/** set_copy (set.copy()): a new set of the base type with the same keys */
export function set_copy(h: HeapState, so: Ref): Ref {
  return make_new_set_basetype(h, slots_of(h, so), so);
}

/** frozenset_copy: an exact frozenset is its own copy */
export function frozenset_copy(h: HeapState, so: Ref): Ref {
  if (is_exact_frozenset(h, so)) {
    Py_INCREF(h, so);
    return so;
  }
  return set_copy(h, so);
}

/** set_union (set.union(*others)): new set */
export function set_union(h: HeapState, so: Ref, ...others: Ref[]): Ref {
  const result = set_copy(h, so);
  try {
    for (const other of others) {
      if (other === so) continue;
      set_update_internal(h, result, other);
    }
  } catch (e) {
    Py_DECREF(h, result);
    throw e;
  }
  return result;
}

/** set.update(*others) */
export function set_update(h: HeapState, so: Ref, ...others: Ref[]): void {
  for (const other of others) set_update_internal(h, so, other);
}

/** set_intersection: the keys of `so` also in `other` (new set of the base type) */
export function set_intersection(h: HeapState, so: Ref, other: Ref): Ref {
  if (so === other) return set_copy(h, so);
  return filled(h, make_new_set_basetype(h, slots_of(h, so), 0), (result) => {
    if (is_anyset(h, other)) {
      // iterate the smaller set, probe the larger
      const [small, large] = set_len(h, other) > set_len(h, so) ? [so, other] : [other, so];
      for_each_entry(h, small, (key, hash) => {
        if (set_contains_entry(h, large, key, hash)) set_add_entry(h, result, key, hash);
      });
      return;
    }
    for_each_item(h, other, (key) => {
      const hash = PyObject_Hash(h, key);
      if (set_contains_entry(h, so, key, hash)) {
        set_add_entry(h, result, key, hash);
        if (set_len(h, result) >= set_len(h, so)) return true;
      }
      return false;
    });
  });
}

/** set_intersection_multi (set.intersection(*others)) */
export function set_intersection_multi(h: HeapState, so: Ref, ...others: Ref[]): Ref {
  if (others.length === 0) return set_copy(h, so);
  Py_INCREF(h, so);
  let result = so;
  for (const other of others) {
    let newresult: Ref;
    try {
      newresult = set_intersection(h, result, other);
    } catch (e) {
      Py_DECREF(h, result);
      throw e;
    }
    Py_DECREF(h, result);
    result = newresult;
  }
  return result;
}

/** set.intersection_update(other) */
export function set_intersection_update(h: HeapState, so: Ref, other: Ref): void {
  const tmp = set_intersection(h, so, other);
  set_swap_bodies(h, so, tmp);
  Py_DECREF(h, tmp);
}

/** set.isdisjoint(other) */
export function set_isdisjoint(h: HeapState, so: Ref, other: Ref): boolean {
  if (so === other) return set_len(h, so) === 0;
  let disjoint = true;
  if (is_anyset_exact(h, other)) {
    // iterate the smaller set, probe the larger
    const [small, large] = set_len(h, other) > set_len(h, so) ? [so, other] : [other, so];
    for_each_entry(h, small, (key, hash) => {
      if (set_contains_entry(h, large, key, hash)) disjoint = false;
      return !disjoint;
    });
    return disjoint;
  }
  for_each_item(h, other, (key) => {
    if (set_contains_key(h, so, key)) {
      disjoint = false;
      return true;
    }
    return false;
  });
  return disjoint;
}

/** set_difference_update_internal (set.difference_update(other), `-=`) */
export function set_difference_update_internal(h: HeapState, so: Ref, other: Ref): void {
  if (so === other) {
    set_clear(h, so);
    return;
  }
  if (is_anyset(h, other)) {
    // When the other set is more than 8 times larger than the base set, replace it with
    // the intersection of the two sets.
    if (set_len(h, other) >> 3 > set_len(h, so)) other = set_intersection(h, so, other);
    else Py_INCREF(h, other);
    try {
      for_each_entry(h, other, (key, hash) => {
        set_discard_entry(h, so, key, hash);
      });
    } finally {
      Py_DECREF(h, other);
    }
  } else {
    for_each_item(h, other, (key) => {
      set_discard_key(h, so, key);
    });
  }
  // If more than 1/4th are dummies, then resize them away.
  const i32 = h.i32;
  const used = i32[(so + SET_USED) >> 2];
  if (i32[(so + SET_FILL) >> 2] - used <= i32[(so + SET_MASK) >> 2] >>> 2) return;
  set_table_resize(h, so, used > 50000 ? used * 2 : used * 4);
}

function set_copy_and_difference(h: HeapState, so: Ref, other: Ref): Ref {
  return filled(h, set_copy(h, so), (result) => set_difference_update_internal(h, result, other));
}

/** set_difference: keys of `so` not in `other` (new set of the base type) */
export function set_difference(h: HeapState, so: Ref, other: Ref): Ref {
  let other_size: number;
  const otherIsDict = is_exact_dict(h, other);
  if (is_anyset(h, other)) other_size = set_len(h, other);
  else if (otherIsDict) other_size = dict_len(h, other);
  else return set_copy_and_difference(h, so, other);

  // If len(so) much more than len(other), it's more efficient to simply copy so and
  // then iterate other looking for common elements.
  if (set_len(h, so) >> 2 > other_size) return set_copy_and_difference(h, so, other);

  return filled(h, make_new_set_basetype(h, slots_of(h, so), 0), (result) =>
    for_each_entry(h, so, (key, hash) => {
      const rv = otherIsDict ? dict_contains_knownhash(h, other, key, hash) : set_contains_entry(h, other, key, hash);
      if (!rv) set_add_entry(h, result, key, hash);
    }),
  );
}

/** set_difference_multi (set.difference(*others)) */
export function set_difference_multi(h: HeapState, so: Ref, ...others: Ref[]): Ref {
  if (others.length === 0) return set_copy(h, so);
  return filled(h, set_difference(h, so, others[0]), (result) => {
    for (let i = 1; i < others.length; i++) set_difference_update_internal(h, result, others[i]);
  });
}

/** set.symmetric_difference_update(other) (`^=`) */
export function set_symmetric_difference_update(h: HeapState, so: Ref, other: Ref): void {
  if (so === other) {
    set_clear(h, so);
    return;
  }
  if (is_exact_dict(h, other)) {
    for (let p = dict_next(h, other, 0); p !== -1; p = dict_next(h, other, p)) {
      const key = dict_pos_key(h, other, p);
      const hash = dict_pos_hash(h, other, p);
      Py_INCREF(h, key);
      try {
        if (set_discard_entry(h, so, key, hash) === DISCARD_NOTFOUND) set_add_entry(h, so, key, hash);
      } finally {
        Py_DECREF(h, key);
      }
    }
    return;
  }
  let otherset: Ref;
  if (is_anyset(h, other)) {
    Py_INCREF(h, other);
    otherset = other;
  } else {
    otherset = make_new_set_basetype(h, slots_of(h, so), other);
  }
  try {
    for_each_entry(h, otherset, (key, hash) => {
      if (set_discard_entry(h, so, key, hash) === DISCARD_NOTFOUND) set_add_entry(h, so, key, hash);
    });
  } finally {
    Py_DECREF(h, otherset);
  }
}

/** set_symmetric_difference: keys in exactly one of the two (new set of the base type) */
export function set_symmetric_difference(h: HeapState, so: Ref, other: Ref): Ref {
  return filled(h, make_new_set_basetype(h, slots_of(h, so), other), (otherset) =>
    set_symmetric_difference_update(h, otherset, so),
  );
}

/** set.issubset(other) */
export function set_issubset(h: HeapState, so: Ref, other: Ref): boolean {
  if (!is_anyset(h, other)) {
    const tmp = set_intersection(h, so, other);
    const result = set_len(h, tmp) === set_len(h, so);
    Py_DECREF(h, tmp);
    return result;
  }
  if (set_len(h, so) > set_len(h, other)) return false;
  let subset = true;
  for_each_entry(h, so, (key, hash) => {
    subset = set_contains_entry(h, other, key, hash);
    return !subset;
  });
  return subset;
}

/** set.issuperset(other) */
export function set_issuperset(h: HeapState, so: Ref, other: Ref): boolean {
  if (is_anyset(h, other)) return set_issubset(h, other, so);
  let result = true;
  for_each_item(h, other, (key) => {
    if (!set_contains_key(h, so, key)) {
      result = false;
      return true;
    }
    return false;
  });
  return result;
}

/** set == other for sets: same size, equal cached hashes if both known, then issubset */
export function set_equal(h: HeapState, v: Ref, w: Ref): boolean {
  const i32 = h.i32;
  if (set_len(h, v) !== set_len(h, w)) return false;
  const vh = i32[(v + SET_HASH) >> 2];
  const wh = i32[(w + SET_HASH) >> 2];
  if (vh !== -1 && wh !== -1 && vh !== wh) return false;
  return set_issubset(h, v, w);
}

/** set_richcompare: a bool (new reference), or NotImplemented when w is not a set */
export function set_richcompare(h: HeapState, v: Ref, w: Ref, op: number): Ref {
  let res: Ref;
  if (!is_anyset(h, w)) res = h.NotImplemented;
  else {
    let r: boolean;
    switch (op) {
      case Py_EQ:
        r = set_equal(h, v, w);
        break;
      case Py_NE:
        r = !set_equal(h, v, w);
        break;
      case Py_LE:
        r = set_issubset(h, v, w);
        break;
      case Py_GE:
        r = set_issuperset(h, v, w);
        break;
      case Py_LT:
        r = set_len(h, v) < set_len(h, w) && set_issubset(h, v, w);
        break;
      case Py_GT:
        r = set_len(h, v) > set_len(h, w) && set_issuperset(h, v, w);
        break;
      default:
        r = false;
    }
    res = r ? h.True : h.False;
  }
  Py_INCREF(h, res);
  return res;
}

// ---- iterator ---------------------------------------------------------------------------------

/** set_iter: iter(s) (tracked, holds a reference to the set) */
export function set_iter(h: HeapState, so: Ref): Ref {
  const si = gc_alloc(h, h.T.set_iterator, SIZEOF_SETITER);
  const i32 = h.i32;
  Py_INCREF(h, so);
  i32[(si + SETITER_SET) >> 2] = so;
  const used = i32[(so + SET_USED) >> 2];
  i32[(si + SETITER_USED) >> 2] = used;
  i32[(si + SETITER_POS) >> 2] = 0;
  i32[(si + SETITER_LEN) >> 2] = used;
  gc_track(h, si);
  return si;
}

export function setiter_dealloc(h: HeapState, si: Ref): void {
  gc_untrack(h, si);
  const so = h.i32[(si + SETITER_SET) >> 2];
  if (so !== 0) Py_DECREF(h, so);
  object_free(h, si, slots_of(h, si));
}

export function setiter_traverse<A>(h: HeapState, si: Ref, visit: Visit<A>, arg: A): void {
  const so = h.i32[(si + SETITER_SET) >> 2];
  if (so !== 0) visit(h, so, arg);
}

export { set_iter as set_iter_new };

/** setiter_len (__length_hint__) */
export function setiter_len(h: HeapState, si: Ref): number {
  const i32 = h.i32;
  const so = i32[(si + SETITER_SET) >> 2];
  if (so !== 0 && i32[(si + SETITER_USED) >> 2] === i32[(so + SET_USED) >> 2]) return i32[(si + SETITER_LEN) >> 2];
  return 0;
}

/** setiter_iternext: the next key (new reference) or 0; RuntimeError when the set changed size */
export function setiter_iternext(h: HeapState, si: Ref): Ref {
  const i32 = h.i32;
  const so = i32[(si + SETITER_SET) >> 2];
  if (so === 0) return 0;
  if (i32[(si + SETITER_USED) >> 2] !== i32[(so + SET_USED) >> 2]) {
    i32[(si + SETITER_USED) >> 2] = -1; // Make this state sticky
    throw new PyError("RuntimeError", "Set changed size during iteration");
  }
  const p = set_next(h, so, i32[(si + SETITER_POS) >> 2]);
  if (p === -1) {
    i32[(si + SETITER_POS) >> 2] = i32[(so + SET_MASK) >> 2] + 2;
    i32[(si + SETITER_SET) >> 2] = 0;
    Py_DECREF(h, so);
    return 0;
  }
  i32[(si + SETITER_POS) >> 2] = p;
  i32[(si + SETITER_LEN) >> 2]--;
  const key = set_pos_key(h, so, p);
  Py_INCREF(h, key);
  return key;
}

// ---- methods (set_methods / frozenset_methods of setobject.c) ---------------------------------

function no_kwargs(qual: string, kwargs: Record<string, Ref> | null): void {
  if (kwargs !== null && Object.keys(kwargs).length > 0) throw new PyError("TypeError", `${qual}() takes no keyword arguments`);
}

/** METH_NOARGS */
function noargs(qual: string, f: (self: Ref) => Ref): NativeMethod {
  return (self, args, kwargs) => {
    no_kwargs(qual, kwargs);
    if (args.length !== 0) throw new PyError("TypeError", `${qual}() takes no arguments (${args.length} given)`);
    return f(self);
  };
}

/** METH_O */
function onearg(qual: string, f: (self: Ref, o: Ref) => Ref): NativeMethod {
  return (self, args, kwargs) => {
    no_kwargs(qual, kwargs);
    if (args.length !== 1) throw new PyError("TypeError", `${qual}() takes exactly one argument (${args.length} given)`);
    return f(self, args[0]);
  };
}

/** METH_VARARGS */
function varargs(qual: string, f: (self: Ref, args: Ref[]) => Ref): NativeMethod {
  return (self, args, kwargs) => {
    no_kwargs(qual, kwargs);
    return f(self, args);
  };
}

function none_ref(h: HeapState): Ref {
  h.i32[h.None >> 2]++;
  return h.None;
}

function bool_ref(h: HeapState, b: boolean): Ref {
  const r = b ? h.True : h.False;
  h.i32[r >> 2]++;
  return r;
}

/**
 * The Python-visible methods of set (frozen = false) or frozenset, with CPython's
 * argument checks and messages; registered on the types by set_init_types.
 */
export function set_native_methods(h: HeapState, frozen: boolean): Record<string, NativeMethod> {
  const tp = frozen ? "frozenset" : "set";
  const q = (name: string) => `${tp}.${name}`;
  const m: Record<string, NativeMethod> = {
    __contains__: onearg(q("__contains__"), (self, o) => bool_ref(h, set_contains(h, self, o))),
    __sizeof__: noargs(q("__sizeof__"), (self) => long_from_number(h, set_sizeof(h, self))),
    copy: noargs(q("copy"), (self) => (frozen ? frozenset_copy(h, self) : set_copy(h, self))),
    difference: varargs(q("difference"), (self, args) => set_difference_multi(h, self, ...args)),
    intersection: varargs(q("intersection"), (self, args) => set_intersection_multi(h, self, ...args)),
    isdisjoint: onearg(q("isdisjoint"), (self, o) => bool_ref(h, set_isdisjoint(h, self, o))),
    issubset: onearg(q("issubset"), (self, o) => bool_ref(h, set_issubset(h, self, o))),
    issuperset: onearg(q("issuperset"), (self, o) => bool_ref(h, set_issuperset(h, self, o))),
    symmetric_difference: onearg(q("symmetric_difference"), (self, o) => set_symmetric_difference(h, self, o)),
    union: varargs(q("union"), (self, args) => set_union(h, self, ...args)),
  };
  if (frozen) return m;
  return {
    ...m,
    add: onearg(q("add"), (self, o) => (set_add(h, self, o), none_ref(h))),
    clear: noargs(q("clear"), (self) => (set_clear(h, self), none_ref(h))),
    discard: onearg(q("discard"), (self, o) => (set_discard(h, self, o), none_ref(h))),
    difference_update: varargs(q("difference_update"), (self, args) => {
      for (const o of args) set_difference_update_internal(h, self, o);
      return none_ref(h);
    }),
    intersection_update: varargs(q("intersection_update"), (self, args) => {
      const tmp = set_intersection_multi(h, self, ...args);
      set_swap_bodies(h, self, tmp);
      Py_DECREF(h, tmp);
      return none_ref(h);
    }),
    pop: noargs(q("pop"), (self) => set_pop(h, self)),
    remove: onearg(q("remove"), (self, o) => (set_remove(h, self, o), none_ref(h))),
    symmetric_difference_update: onearg(q("symmetric_difference_update"), (self, o) => {
      set_symmetric_difference_update(h, self, o);
      return none_ref(h);
    }),
    update: varargs(q("update"), (self, args) => (set_update(h, self, ...args), none_ref(h))),
  };
}

// ---- types ------------------------------------------------------------------------------------

function set_unhashable(h: HeapState, o: Ref): number {
  throw new PyError("TypeError", `unhashable type: '${slots_of(h, o).name}'`);
}

/**
 * Create set, frozenset and set_iterator (h.T.set, h.T.frozenset, h.T.set_iterator),
 * register the methods of set and frozenset, and make this heap's dummy key. Called by
 * the bootstrap once `type` and `object` exist.
 */
export function set_init_types(h: HeapState): void {
  const T = h.T;
  // setobject.c's `dummy`: a bare object no set ever increfs; it lives as long as the heap
  const dummy = object_alloc(h, T.object, SIZEOF_PYOBJECT);
  h.i32[dummy >> 2] = IMMORTAL_REFCNT;
  h.setDummy = dummy;
  h.setIterKey = 0;
  h.setIterHash = 0;

  const proto = (frozen: boolean) => ({
    tp_hash: frozen ? frozenset_hash : set_unhashable,
    tp_richcompare: set_richcompare,
    mp_length: set_len,
    sq_contains: set_contains,
    tp_iter: set_iter,
    nb_bool: (hh: HeapState, o: Ref) => set_len(hh, o) !== 0,
  });
  T.set = new_type(h, T.type, {
    name: "set",
    kind: K_SET,
    base: T.object,
    basicsize: SIZEOF_SET,
    flags: Py_TPFLAGS_BASETYPE,
    isGC: true,
    weaklistoffset: SET_WEAKREFLIST,
    tp_dealloc: set_dealloc,
    tp_traverse: set_traverse,
    tp_clear: set_clear,
    proto: proto(false),
  });
  T.frozenset = new_type(h, T.type, {
    name: "frozenset",
    kind: K_SET,
    base: T.object,
    basicsize: SIZEOF_SET,
    flags: Py_TPFLAGS_BASETYPE,
    isGC: true,
    weaklistoffset: SET_WEAKREFLIST,
    tp_dealloc: set_dealloc,
    tp_traverse: set_traverse,
    tp_clear: set_clear,
    proto: proto(true),
  });
  for (const [frozen, t] of [
    [false, T.set],
    [true, T.frozenset],
  ] as const) {
    for (const [name, fn] of Object.entries(set_native_methods(h, frozen))) native_register(h, t, name, fn);
  }
  T.set_iterator = new_type(h, T.type, {
    name: "set_iterator",
    kind: K_ITER,
    base: T.object,
    basicsize: SIZEOF_SETITER,
    isGC: true,
    tp_dealloc: setiter_dealloc,
    tp_traverse: setiter_traverse,
    proto: {
      tp_iter: (hh: HeapState, o: Ref) => {
        Py_INCREF(hh, o);
        return o;
      },
      tp_iternext: setiter_iternext,
    },
  });
}
