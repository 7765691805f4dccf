// === dict: CPython 3.11's compact, ordered hash table (layer 3) ===
//
// Ports, from CPython 3.11 Objects/dictobject.c and Include/internal/pycore_dict.h:
//   keys objects    new_keys_object, free_keys_object, dictkeys_incref/decref,
//                   dictkeys_get_index/set_index, Py_EMPTY_KEYS, the keys free list
//   lookup          _Py_dict_lookup (= lookdict), unicodekeys_lookup_unicode,
//                   unicodekeys_lookup_generic, dictkeys_generic_lookup, lookdict_index,
//                   find_empty_slot, _PyDictKeys_StringLookup
//   insertion       insertdict, insert_to_emptydict, insertion_resize, dictresize,
//                   build_indices_generic/unicode, MAINTAIN_TRACKING, PyDict_SetDefault
//   deletion        delitem_common, delete_index_from_values, _PyDict_Pop, popitem, PyDict_Clear
//   whole dicts     new_dict (the dict free list), PyDict_New, PyDict_Copy,
//                   clone_combined_dict_keys, dict_merge, PyDict_MergeFromSeq2,
//                   dict_equal, dict_keys/values/items, _PyDict_Next, _PyDict_SizeOf,
//                   _PyDict_MaybeUntrack, dict_dealloc, dict_traverse, dict_tp_clear
//   iterators       dictiter_new, dictiter_iternextkey/value/item, dictiter_dealloc/traverse
//   managed dicts   _PyDict_NewKeysForClass, init_inline_values, new_values/free_values,
//                   make_dict_from_instance_attributes, _PyObject_StoreInstanceAttribute,
//                   _PyObject_GetInstanceAttribute, _PyObject_VisitInstanceAttributes,
//                   _PyObject_ClearInstanceAttributes, _PyObject_FreeInstanceAttributes,
//                   PyObject_GenericGetDict, _PyObjectDict_SetItem
//
// Layout (32-bit; offsets in layout.ts):
//
//   PyDictObject        ob_refcnt ob_type ma_used [pad] ma_version_tag(u64) ma_keys ma_values
//   PyDictKeysObject    dk_refcnt dk_log2_size:u8 dk_log2_index_bytes:u8 dk_kind:u8 [pad]
//                       dk_version dk_usable dk_nentries
//                       dk_indices[DK_SIZE] of 1, 2 or 4 bytes (signed: DKIX_EMPTY -1, DKIX_DUMMY -2)
//                       entries[USABLE_FRACTION(DK_SIZE)]: {hash, key, value} (12 B, GENERAL)
//                                                        or {key, value} (8 B, UNICODE / SPLIT)
//   PyDictValues        [prefix bytes: order..., order size, prefix size] values[]
//
// Invariants (as 3.11):
//   - combined table: ma_values == 0, dk_kind != SPLIT, dk_refcnt == 1 (or Py_EMPTY_KEYS);
//     split table: ma_values != 0, dk_kind == SPLIT, keys shared with a class (HT_CACHED_KEYS);
//   - an entry is live iff its value is non-NULL; insertion order is entry order (combined)
//     or the order prefix of the values (split);
//   - dk_usable + dk_nentries <= USABLE_FRACTION(DK_SIZE); at least one index is DKIX_EMPTY;
//   - a dict is created untracked and becomes tracked when something that may be tracked
//     is stored in it (MAINTAIN_TRACKING); only _PyDict_MaybeUntrack untracks it again.
//
// Every function that may allocate or release a reference re-reads `h.i32`/`h.u8`
// afterwards; loops that only read memory keep the views in locals.
//
// Never touches: the payload of keys or values (only their refcounts), the collector's lists
// other than through gc_track/gc_untrack.

import * as L from "./layout.js";
import { PyError, typeError } from "./errors.js";
import { gc_alloc, gc_is_tracked, gc_list_remove, gc_track, gc_untrack, may_be_tracked, mem_free, mem_malloc, object_free } from "./object.js";
import { filled, Py_DECREF, Py_INCREF, Py_XDECREF, PyTrash_UNWIND_LEVEL, _Py_Dealloc, trash_begin, trash_destroy_chain, trash_end } from "./refcount.js";
import { cache_type_refs, type HeapState, type Ref } from "./state.js";
import { IMMORTAL_REFCNT, is_subtype, new_type, slots_of } from "./typeobject.js";
import * as K from "./typeslots.js";
import type { TypeSlots, Visit } from "./typeslots.js";
import { PyIter_Next, PyObject_GetItem, PyObject_GetIter, PyObject_Hash, PyObject_RichCompareBool } from "./abstract.js";
import { getattr, hasattr } from "./attr.js";
import { call_object } from "./call.js";
import { PyObject_Repr } from "./repr.js";
import { unicode_eq, unicode_hash } from "./str.js";
import { list_new_empty } from "./list.js";
import { tuple_pack2 } from "./tuple.js";

// The imported constants as module-local bindings: V8 folds a module's own `const`
// into optimized code but loads an imported binding from its module cell at every
// use (4 field accesses: 2.8 ns local vs 4.4 ns imported, node 20).
const { GC_HEAD_OFFSET, GC_NEXT, DICTITER_DICT, DICTITER_LEN, DICTITER_POS, DICTITER_RESULT, DICTITER_USED, DICT_KEYS, DICT_KEYS_GENERAL, DICT_KEYS_SPLIT, DICT_KEYS_UNICODE, DICT_USED, DICT_VALUES, DICT_VERSION, DICT_VERSION_HI, DK_INDICES, DK_KIND, DK_LOG2_INDEX_BYTES, DK_LOG2_SIZE, DK_NENTRIES, DK_REFCNT, DK_USABLE, DK_VERSION, DV_ORDER, DV_ORDER_SIZE, DV_PREFIX_SIZE, ENTRY_HASH, ENTRY_KEY, ENTRY_VALUE, HT_CACHED_KEYS, LIST_ITEMS, MANAGED_DICT, MANAGED_VALUES, OB_REFCNT, OB_SIZE, OB_TYPE, Py_TPFLAGS_BASETYPE, Py_TPFLAGS_DICT_SUBCLASS, Py_TPFLAGS_MAPPING, SIZEOF_DICT, SIZEOF_DICTITER, SIZEOF_DICTKEYS_HEAD, SIZEOF_DICT_ENTRY, SIZEOF_DICT_UNICODE_ENTRY, SIZEOF_EMPTY_KEYS, STR_HASH, TP_BASICSIZE, TP_KIND, TUPLE_ITEMS, UENTRY_KEY, UENTRY_VALUE } = L;
const { K_DICT, K_ITER, K_LIST, K_TUPLE, Py_EQ, Py_NE } = K;

declare module "./state.js" {
  interface HeapState {
    /** Py_EMPTY_KEYS: the shared empty keys object of this heap (never freed) */
    dictEmptyKeys: number;
    /**
     * _pydict_global_version, a 64-bit counter bumped on every dict creation and
     * modification: [0] low word, [1] high word (two int32 adds instead of float math)
     */
    dictVersion: Int32Array;
    /** key, value and hash of the entry the last dict_next call stepped over (borrowed) */
    dictIterKey: Ref;
    dictIterValue: Ref;
    dictIterHash: number;
  }
}

// ---- constants (dictobject.c / pycore_dict.h, 3.11) ----------------------------

export const DKIX_EMPTY = -1;
export const DKIX_DUMMY = -2;
export const DKIX_ERROR = -3;
export const DKIX_KEY_CHANGED = -4;
export const PyDict_LOG_MINSIZE = 3;
export const PyDict_MINSIZE = 8;
export const PyDict_MAXFREELIST = 80;
export const PERTURB_SHIFT = 5;
/** at most this many keys in a class's shared keys (the order prefix is one byte each) */
export const SHARED_KEYS_MAX_SIZE = 30;
export const NEXT_LOG2_SHARED_KEYS_MAX_SIZE = 6;

/** USABLE_FRACTION(n) = (n << 1) / 3: the most entries a table of n slots may hold */
export function USABLE_FRACTION(n: number): number {
  return Math.floor((n * 2) / 3);
}

/** GROWTH_RATE(d) = used * 3: the minimum size asked of dictresize when a table is full */
export function GROWTH_RATE(h: HeapState, mp: Ref): number {
  return h.i32[(mp + DICT_USED) >> 2] * 3;
}

/** calculate_log2_keysize: log2 of the smallest table size >= minsize (at least PyDict_MINSIZE) */
export function calculate_log2_keysize(minsize: number): number {
  const m = (minsize | PyDict_MINSIZE) - 1;
  return 32 - Math.clz32(m | (PyDict_MINSIZE - 1));
}

/** estimate_log2_keysize: the reverse of USABLE_FRACTION (room for n entries) */
export function estimate_log2_keysize(n: number): number {
  return calculate_log2_keysize(Math.floor((n * 3 + 1) / 2));
}

// ---- small helpers --------------------------------------------------------------

function is_exact_str(h: HeapState, o: Ref): boolean {
  return h.i32[(o + OB_TYPE) >> 2] === h.strType;
}

/** PyDict_Check: dict or a subclass */
export function is_dict(h: HeapState, o: Ref): boolean {
  const i32 = h.i32;
  return i32[(i32[(o + OB_TYPE) >> 2] + TP_KIND) >> 2] === K_DICT;
}

/** the cached hash of an exact str key (unicode_get_hash) */
function unicode_get_hash(h: HeapState, s: Ref): number {
  return h.i32[(s + STR_HASH) >> 2];
}

/** The hash every dict operation computes first: str's cached hash, else PyObject_Hash. */
export function dict_key_hash(h: HeapState, key: Ref): number {
  const i32 = h.i32;
  if (i32[(key + OB_TYPE) >> 2] === h.strType) {
    const hash = i32[(key + STR_HASH) >> 2];
    return hash !== -1 ? hash : unicode_hash(h, key);
  }
  return PyObject_Hash(h, key);
}

/** DICT_NEXT_VERSION, stored into ma_version_tag as a u64 (two words) */
function dict_bump_version(h: HeapState, mp: Ref): void {
  const v = h.dictVersion;
  const lo = (v[0] + 1) | 0;
  v[0] = lo;
  if (lo === 0) v[1]++;
  const i32 = h.i32;
  i32[(mp + DICT_VERSION) >> 2] = lo;
  i32[(mp + DICT_VERSION_HI) >> 2] = v[1];
}

/** DICT_NEXT_VERSION `k` times (k modifications nothing observed in between) */
function dict_bump_version_n(h: HeapState, mp: Ref, k: number): void {
  const v = h.dictVersion;
  const lo = v[0];
  const next = (lo + k) | 0;
  v[0] = next;
  // a carry out of the low word: unsigned next < unsigned lo
  if (next >>> 0 < lo >>> 0) v[1]++;
  const i32 = h.i32;
  i32[(mp + DICT_VERSION) >> 2] = next;
  i32[(mp + DICT_VERSION_HI) >> 2] = v[1];
}

/** ma_version_tag as a JS number */
export function dict_version(h: HeapState, mp: Ref): number {
  const i32 = h.i32;
  return (i32[(mp + DICT_VERSION) >> 2] >>> 0) + i32[(mp + DICT_VERSION_HI) >> 2] * 4294967296;
}

// ---- keys objects ---------------------------------------------------------------

function DK_SIZE(h: HeapState, dk: number): number {
  return 1 << h.u8[dk + DK_LOG2_SIZE];
}

function DK_IS_UNICODE(h: HeapState, dk: number): boolean {
  return h.u8[dk + DK_KIND] !== DICT_KEYS_GENERAL;
}

/** DK_ENTRIES / DK_UNICODE_ENTRIES: address of entry 0 */
export function dk_entries(h: HeapState, dk: number): number {
  return dk + DK_INDICES + (1 << h.u8[dk + DK_LOG2_INDEX_BYTES]);
}

/** dictkeys_get_index: DKIX_EMPTY, DKIX_DUMMY, or an entry index >= 0 */
export function dictkeys_get_index(h: HeapState, dk: number, i: number): number {
  const log2size = h.u8[dk + DK_LOG2_SIZE];
  const p = dk + DK_INDICES;
  if (log2size < 8) return (h.u8[p + i] << 24) >> 24;
  if (log2size < 16) return (h.u16[(p >> 1) + i] << 16) >> 16;
  return h.i32[(p >> 2) + i];
}

/** dictkeys_set_index */
export function dictkeys_set_index(h: HeapState, dk: number, i: number, ix: number): void {
  const log2size = h.u8[dk + DK_LOG2_SIZE];
  const p = dk + DK_INDICES;
  if (log2size < 8) h.u8[p + i] = ix & 0xff;
  else if (log2size < 16) h.u16[(p >> 1) + i] = ix & 0xffff;
  else h.i32[(p >> 2) + i] = ix;
}

/** _PyDict_KeysSize: bytes of a keys object */
export function _PyDict_KeysSize(h: HeapState, dk: number): number {
  const es = h.u8[dk + DK_KIND] === DICT_KEYS_GENERAL ? SIZEOF_DICT_ENTRY : SIZEOF_DICT_UNICODE_ENTRY;
  return SIZEOF_DICTKEYS_HEAD + (1 << h.u8[dk + DK_LOG2_INDEX_BYTES]) + USABLE_FRACTION(DK_SIZE(h, dk)) * es;
}

/**
 * new_keys_object: a keys object of 2**log2_size slots, refcount 1, all indices
 * DKIX_EMPTY. Minimum-size unicode tables come from the keys free list.
 */
export function new_keys_object(h: HeapState, log2_size: number, unicode: boolean): number {
  const kfree = h.dictKeysFree;
  if (log2_size === PyDict_LOG_MINSIZE && unicode && kfree.length !== 0) return new_keys_from_freelist(h);
  const usable = USABLE_FRACTION(1 << log2_size);
  const log2_bytes = log2_size < 8 ? log2_size : log2_size < 16 ? log2_size + 1 : log2_size + 2;
  const entry_size = unicode ? SIZEOF_DICT_UNICODE_ENTRY : SIZEOF_DICT_ENTRY;
  const dk = mem_malloc(h, SIZEOF_DICTKEYS_HEAD + 2 ** log2_bytes + entry_size * usable);
  const i32 = h.i32;
  const u8 = h.u8;
  i32[(dk + DK_REFCNT) >> 2] = 1;
  u8[dk + DK_LOG2_SIZE] = log2_size;
  u8[dk + DK_LOG2_INDEX_BYTES] = log2_bytes;
  u8[dk + DK_KIND] = unicode ? DICT_KEYS_UNICODE : DICT_KEYS_GENERAL;
  u8[dk + DK_KIND + 1] = 0;
  i32[(dk + DK_NENTRIES) >> 2] = 0;
  i32[(dk + DK_USABLE) >> 2] = usable;
  i32[(dk + DK_VERSION) >> 2] = 0;
  // indices to DKIX_EMPTY (all bits set), entries to zero; word loops: a typed
  // array fill() call costs more than these few stores for small tables
  const indices = (dk + DK_INDICES) >> 2;
  const nindex = 1 << (log2_bytes - 2);
  for (let i = 0; i < nindex; i++) i32[indices + i] = -1;
  const entries = indices + nindex;
  const nentry = (entry_size * usable) >> 2;
  for (let i = 0; i < nentry; i++) i32[entries + i] = 0;
  return dk;
}

/** USABLE_FRACTION(PyDict_MINSIZE) and the words of a minimum-size unicode table's indices and entries */
const MINSIZE_USABLE = USABLE_FRACTION(PyDict_MINSIZE); // 5
const MINSIZE_INDEX_WORDS = PyDict_MINSIZE >> 2; // one-byte indices
const MINSIZE_UENTRY_WORDS = (MINSIZE_USABLE * SIZEOF_DICT_UNICODE_ENTRY) >> 2;

/** new_keys_object(PyDict_LOG_MINSIZE, unicode) when the keys free list has one: no size arithmetic. */
function new_keys_from_freelist(h: HeapState): number {
  const kfree = h.dictKeysFree;
  const i32 = h.i32;
  const u8 = h.u8;
  const dk = kfree.head;
  kfree.head = i32[(dk + DK_REFCNT) >> 2];
  kfree.length--;
  i32[(dk + DK_REFCNT) >> 2] = 1;
  u8[dk + DK_LOG2_SIZE] = PyDict_LOG_MINSIZE;
  u8[dk + DK_LOG2_INDEX_BYTES] = PyDict_LOG_MINSIZE;
  u8[dk + DK_KIND] = DICT_KEYS_UNICODE;
  u8[dk + DK_KIND + 1] = 0;
  i32[(dk + DK_NENTRIES) >> 2] = 0;
  i32[(dk + DK_USABLE) >> 2] = MINSIZE_USABLE;
  i32[(dk + DK_VERSION) >> 2] = 0;
  const indices = (dk + DK_INDICES) >> 2;
  for (let i = 0; i < MINSIZE_INDEX_WORDS; i++) i32[indices + i] = -1;
  const entries = indices + MINSIZE_INDEX_WORDS;
  for (let i = 0; i < MINSIZE_UENTRY_WORDS; i++) i32[entries + i] = 0;
  return dk;
}

/** free_keys_object: drop the entries' references (key, then value), then free or keep for reuse. */
export function free_keys_object(h: HeapState, keys: number): void {
  const unicode = DK_IS_UNICODE(h, keys);
  let i32 = h.i32;
  const n = i32[(keys + DK_NENTRIES) >> 2];
  const entries = dk_entries(h, keys);
  if (unicode) {
    // Py_XDECREF(key), Py_XDECREF(value), the views re-read only after a deallocation
    for (let w = entries >> 2, end = w + n * (SIZEOF_DICT_UNICODE_ENTRY >> 2); w < end; w++) {
      const o = i32[w];
      if (o !== 0) {
        const rc = i32[o >> 2] - 1;
        i32[o >> 2] = rc;
        if (rc === 0) {
          _Py_Dealloc(h, o);
          i32 = h.i32;
        }
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const ep = entries + i * SIZEOF_DICT_ENTRY;
      Py_XDECREF(h, h.i32[(ep + ENTRY_KEY) >> 2]);
      Py_XDECREF(h, h.i32[(ep + ENTRY_VALUE) >> 2]);
    }
  }
  if (h.u8[keys + DK_LOG2_SIZE] === PyDict_LOG_MINSIZE && h.dictKeysFree.length < PyDict_MAXFREELIST && unicode) {
    dictkeys_park(h, keys);
    return;
  }
  mem_free(h, keys);
}

/** Keep a minimum-size unicode keys object for reuse (linked through dk_refcnt). */
function dictkeys_park(h: HeapState, keys: number): void {
  const kfree = h.dictKeysFree;
  h.i32[(keys + DK_REFCNT) >> 2] = kfree.head;
  kfree.head = keys;
  kfree.length++;
}

export function dictkeys_incref(h: HeapState, dk: number): void {
  h.i32[(dk + DK_REFCNT) >> 2]++;
}

/** dictkeys_decref: free the keys object when its count reaches zero */
export function dictkeys_decref(h: HeapState, dk: number): void {
  const rc = --h.i32[(dk + DK_REFCNT) >> 2];
  if (rc === 0) free_keys_object(h, dk);
}
export { dictkeys_decref as dict_keys_decref, dictkeys_decref as _PyDictKeys_DecRef };

// ---- values of split tables (PyDictValues) ---------------------------------------

/** new_values: room for `size` values after a prefix of size + 2 bytes rounded to a word */
export function new_values(h: HeapState, size: number): number {
  const prefix_size = (size + 2 + 3) & ~3;
  const mem = mem_malloc(h, prefix_size + size * 4);
  h.u8[mem + prefix_size - 1] = prefix_size;
  return mem + prefix_size;
}

export function free_values(h: HeapState, values: number): void {
  mem_free(h, values - h.u8[values + DV_PREFIX_SIZE]);
}

/** _PyDictValues_AddToInsertionOrder */
function values_add_to_order(h: HeapState, values: number, ix: number): void {
  const u8 = h.u8;
  const size = u8[values + DV_ORDER_SIZE] + 1;
  u8[values + DV_ORDER_SIZE - size] = ix;
  u8[values + DV_ORDER_SIZE] = size;
}

/** delete_index_from_values: remove `ix` from the insertion order */
function delete_index_from_values(h: HeapState, values: number, ix: number): void {
  const u8 = h.u8;
  const size_ptr = values + DV_ORDER_SIZE;
  const size = u8[size_ptr];
  let i = 1;
  while (u8[size_ptr - i] !== ix) i++;
  for (; i < size; i++) u8[size_ptr - i] = u8[size_ptr - i - 1];
  u8[size_ptr] = size - 1;
}

/** get_index_from_order: the entry index of the i-th value of a split dict */
function get_index_from_order(h: HeapState, values: number, i: number): number {
  return h.u8[values + DV_ORDER - i];
}

function shared_keys_usable_size(h: HeapState, keys: number): number {
  const i32 = h.i32;
  return i32[(keys + DK_NENTRIES) >> 2] + i32[(keys + DK_USABLE) >> 2];
}

// ---- dict objects ------------------------------------------------------------------

/**
 * new_dict: consumes the reference to `keys` (and `values`). Reuses a dict from the free
 * list when there is one (without counting it as a GC allocation, as CPython).
 */
function new_dict(h: HeapState, keys: number, values: number, used: number, free_values_on_failure: boolean): Ref {
  let mp: Ref;
  const free = h.dictFree;
  if (free.length !== 0) {
    mp = free.head;
    const i32 = h.i32;
    free.head = i32[(mp + DICT_KEYS) >> 2];
    free.length--;
    i32[(mp + OB_REFCNT) >> 2] = 1; // _Py_NewReference
    i32[(mp + OB_TYPE) >> 2] = h.dictType;
    if (h.live !== null) h.live.add(mp);
  } else {
    try {
      mp = gc_alloc(h, h.T.dict, SIZEOF_DICT);
    } catch (e) {
      dictkeys_decref(h, keys);
      if (free_values_on_failure) free_values(h, values);
      throw e;
    }
  }
  const i32 = h.i32;
  i32[(mp + DICT_KEYS) >> 2] = keys;
  i32[(mp + DICT_VALUES) >> 2] = values;
  i32[(mp + DICT_USED) >> 2] = used;
  i32[(mp + DICT_USED + 4) >> 2] = 0;
  dict_bump_version(h, mp);
  return mp;
}

/** PyDict_New: a new, empty, untracked dict (new reference). */
export function dict_new(h: HeapState): Ref {
  const empty = h.dictEmptyKeys;
  dictkeys_incref(h, empty);
  return new_dict(h, empty, 0, 0, false);
}

/** dict_new_presized / _PyDict_NewPresized: room for `minused` entries without resizing. */
export function dict_new_presized(h: HeapState, minused: number, unicode = false): Ref {
  const log2_max_presize = 17;
  if (minused <= USABLE_FRACTION(PyDict_MINSIZE)) return dict_new(h);
  const log2_newsize =
    minused > USABLE_FRACTION(2 ** log2_max_presize) ? log2_max_presize : estimate_log2_keysize(minused);
  const keys = new_keys_object(h, log2_newsize, unicode);
  return new_dict(h, keys, 0, 0, false);
}

/** dict_new for a dict subclass instance (tp_alloc tracks it, as for any heap type). */
export function dict_new_typed(h: HeapState, t: TypeSlots): Ref {
  if (t === h.T.dict) return dict_new(h);
  const mp = gc_alloc(h, t, t.basicsize);
  const i32 = h.i32;
  h.u8.fill(0, mp + 8, mp + t.basicsize);
  const empty = h.dictEmptyKeys;
  dictkeys_incref(h, empty);
  i32[(mp + DICT_KEYS) >> 2] = empty;
  i32[(mp + DICT_VALUES) >> 2] = 0;
  i32[(mp + DICT_USED) >> 2] = 0;
  dict_bump_version(h, mp);
  gc_track(h, mp);
  return mp;
}

// ---- lookup -----------------------------------------------------------------------

/** lookdict_index: the slot of indices that holds entry index `index` */
function lookdict_index(h: HeapState, k: number, hash: number, index: number): number {
  const mask = DK_SIZE(h, k) - 1;
  let perturb = hash >>> 0;
  let i = hash & mask;
  for (;;) {
    const ix = dictkeys_get_index(h, k, i);
    if (ix === index) return i;
    if (ix === DKIX_EMPTY) return DKIX_EMPTY;
    perturb >>>= PERTURB_SHIFT;
    i = mask & (i * 5 + perturb + 1);
  }
}

/** One `PyObject_RichCompareBool(startkey, key, Py_EQ)` with startkey kept alive, as the C code. */
function compare_startkey(h: HeapState, startkey: Ref, key: Ref): boolean {
  Py_INCREF(h, startkey);
  try {
    return PyObject_RichCompareBool(h, startkey, key, Py_EQ);
  } finally {
    Py_DECREF(h, startkey);
  }
}

/** unicodekeys_lookup_generic: a non-str key in an all-str table */
function unicodekeys_lookup_generic(h: HeapState, mp: Ref, dk: number, key: Ref, hash: number): number {
  const ep0 = dk_entries(h, dk);
  const mask = DK_SIZE(h, dk) - 1;
  let perturb = hash >>> 0;
  let i = hash & mask;
  for (;;) {
    const ix = dictkeys_get_index(h, dk, i);
    if (ix >= 0) {
      const ep = ep0 + ix * SIZEOF_DICT_UNICODE_ENTRY;
      const startkey = h.i32[(ep + UENTRY_KEY) >> 2];
      if (startkey === key) return ix;
      if (unicode_get_hash(h, startkey) === hash) {
        const cmp = compare_startkey(h, startkey, key);
        if (dk === h.i32[(mp + DICT_KEYS) >> 2] && h.i32[(ep + UENTRY_KEY) >> 2] === startkey) {
          if (cmp) return ix;
        } else {
          return DKIX_KEY_CHANGED; // the dict was mutated: restart
        }
      }
    } else if (ix === DKIX_EMPTY) {
      return DKIX_EMPTY;
    }
    perturb >>>= PERTURB_SHIFT;
    i = mask & (i * 5 + perturb + 1);
  }
}

/** unicodekeys_lookup_unicode: an exact str key in an all-str table (no user code runs) */
export function unicodekeys_lookup_unicode(h: HeapState, dk: number, key: Ref, hash: number): number {
  const ep0 = dk_entries(h, dk);
  const mask = DK_SIZE(h, dk) - 1;
  let perturb = hash >>> 0;
  let i = hash & mask;
  for (;;) {
    const ix = dictkeys_get_index(h, dk, i);
    if (ix >= 0) {
      const k = h.i32[(ep0 + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2];
      if (k === key || (unicode_get_hash(h, k) === hash && unicode_eq(h, k, key))) return ix;
    } else if (ix === DKIX_EMPTY) {
      return DKIX_EMPTY;
    }
    perturb >>>= PERTURB_SHIFT;
    i = mask & (i * 5 + perturb + 1);
  }
}

/** dictkeys_generic_lookup: any key in a GENERAL table */
function dictkeys_generic_lookup(h: HeapState, mp: Ref, dk: number, key: Ref, hash: number): number {
  const ep0 = dk_entries(h, dk);
  const mask = DK_SIZE(h, dk) - 1;
  let perturb = hash >>> 0;
  let i = hash & mask;
  for (;;) {
    const ix = dictkeys_get_index(h, dk, i);
    if (ix >= 0) {
      const ep = ep0 + ix * SIZEOF_DICT_ENTRY;
      const i32 = h.i32;
      const startkey = i32[(ep + ENTRY_KEY) >> 2];
      if (startkey === key) return ix;
      if (i32[(ep + ENTRY_HASH) >> 2] === hash) {
        const cmp = compare_startkey(h, startkey, key);
        if (dk === h.i32[(mp + DICT_KEYS) >> 2] && h.i32[(ep + ENTRY_KEY) >> 2] === startkey) {
          if (cmp) return ix;
        } else {
          return DKIX_KEY_CHANGED; // the dict was mutated: restart
        }
      }
    } else if (ix === DKIX_EMPTY) {
      return DKIX_EMPTY;
    }
    perturb >>>= PERTURB_SHIFT;
    i = mask & (i * 5 + perturb + 1);
  }
}

/**
 * _Py_dict_lookup: the entry index of `key` or DKIX_EMPTY. Errors raised by `__eq__`
 * propagate; a lookup disturbed by a mutation of the dict starts over. Read the value
 * with `dict_value_at` (0 for a pending slot of a split table).
 */
export function _Py_dict_lookup(h: HeapState, mp: Ref, key: Ref, hash: number): number {
  for (;;) {
    const dk = h.i32[(mp + DICT_KEYS) >> 2];
    if (h.u8[dk + DK_KIND] !== DICT_KEYS_GENERAL) {
      if (is_exact_str(h, key)) return unicodekeys_lookup_unicode(h, dk, key, hash);
      const ix = unicodekeys_lookup_generic(h, mp, dk, key, hash);
      if (ix !== DKIX_KEY_CHANGED) return ix;
    } else {
      const ix = dictkeys_generic_lookup(h, mp, dk, key, hash);
      if (ix !== DKIX_KEY_CHANGED) return ix;
    }
  }
}
export { _Py_dict_lookup as lookdict };

/** The value stored for entry `ix` (borrowed; 0 for a pending split slot). */
export function dict_value_at(h: HeapState, mp: Ref, ix: number): Ref {
  const i32 = h.i32;
  const values = i32[(mp + DICT_VALUES) >> 2];
  if (values !== 0) return i32[(values >> 2) + ix];
  const dk = i32[(mp + DICT_KEYS) >> 2];
  const entries = dk_entries(h, dk);
  if (h.u8[dk + DK_KIND] !== DICT_KEYS_GENERAL) return i32[(entries + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_VALUE) >> 2];
  return i32[(entries + ix * SIZEOF_DICT_ENTRY + ENTRY_VALUE) >> 2];
}

/** _PyDictKeys_StringLookup: an exact str in a unicode/split keys object, else DKIX_ERROR */
export function _PyDictKeys_StringLookup(h: HeapState, dk: number, key: Ref): number {
  if (!is_exact_str(h, key) || h.u8[dk + DK_KIND] === DICT_KEYS_GENERAL) return DKIX_ERROR;
  let hash = unicode_get_hash(h, key);
  if (hash === -1) hash = unicode_hash(h, key);
  return unicodekeys_lookup_unicode(h, dk, key, hash);
}

// ---- tracking ---------------------------------------------------------------------

/** MAINTAIN_TRACKING: track the dict when something that may take part in a cycle goes in */
function MAINTAIN_TRACKING(h: HeapState, mp: Ref, key: Ref, value: Ref): void {
  if (h.i32[(mp + GC_HEAD_OFFSET + GC_NEXT) >> 2] === 0) {
    if (may_be_tracked(h, key) || may_be_tracked(h, value)) gc_track(h, mp);
  }
}

/**
 * _PyDict_MaybeUntrack: untrack an exact dict none of whose keys and values may be
 * tracked (the collector calls this for survivors of full collections).
 */
export function dict_maybe_untrack(h: HeapState, op: Ref): void {
  if (h.i32[(op + OB_TYPE) >> 2] !== h.dictType || !gc_is_tracked(h, op)) return;
  const i32 = h.i32;
  const keys = i32[(op + DICT_KEYS) >> 2];
  const numentries = i32[(keys + DK_NENTRIES) >> 2];
  const values = i32[(op + DICT_VALUES) >> 2];
  if (values !== 0) {
    for (let i = 0; i < numentries; i++) {
      const value = h.i32[(values >> 2) + i];
      if (value === 0) continue;
      if (may_be_tracked(h, value)) return;
    }
  } else if (DK_IS_UNICODE(h, keys)) {
    const ep0 = dk_entries(h, keys);
    for (let i = 0; i < numentries; i++) {
      const value = h.i32[(ep0 + i * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_VALUE) >> 2];
      if (value === 0) continue;
      if (may_be_tracked(h, value)) return;
    }
  } else {
    const ep0 = dk_entries(h, keys);
    for (let i = 0; i < numentries; i++) {
      const ep = ep0 + i * SIZEOF_DICT_ENTRY;
      const value = h.i32[(ep + ENTRY_VALUE) >> 2];
      if (value === 0) continue;
      if (may_be_tracked(h, value) || may_be_tracked(h, h.i32[(ep + ENTRY_KEY) >> 2])) return;
    }
  }
  gc_untrack(h, op);
}
export { dict_maybe_untrack as _PyDict_MaybeUntrack };

// ---- insertion ----------------------------------------------------------------------

/** find_empty_slot: the first index slot that is not an entry (EMPTY or DUMMY) on hash's probe */
function find_empty_slot(h: HeapState, keys: number, hash: number): number {
  const mask = DK_SIZE(h, keys) - 1;
  let i = hash & mask;
  let ix = dictkeys_get_index(h, keys, i);
  for (let perturb = hash >>> 0; ix >= 0; ) {
    perturb >>>= PERTURB_SHIFT;
    i = (i * 5 + perturb + 1) & mask;
    ix = dictkeys_get_index(h, keys, i);
  }
  return i;
}

function insertion_resize(h: HeapState, mp: Ref, unicode: boolean): void {
  dictresize(h, mp, calculate_log2_keysize(GROWTH_RATE(h, mp)), unicode);
}

/**
 * insertdict's "Insert into a new slot" (also dict_setdefault's): a new entry for `key`
 * (absent: the lookup said DKIX_EMPTY) holding `value`, both gaining a reference. Makes
 * the table general first for a non-str key in a unicode table (an __eq__ that emptied
 * the dict during the lookup leaves Py_EMPTY_KEYS, a unicode table, here; 3.11 would
 * store the key there and lose it on the next resize), then resizes if it is full.
 */
function insert_new_entry(h: HeapState, mp: Ref, key: Ref, hash: number, value: Ref): void {
  let keys = h.i32[(mp + DICT_KEYS) >> 2];
  if (DK_IS_UNICODE(h, keys) && !is_exact_str(h, key)) {
    insertion_resize(h, mp, false);
    keys = h.i32[(mp + DICT_KEYS) >> 2];
  }
  h.i32[(keys + DK_VERSION) >> 2] = 0;
  if (h.i32[(keys + DK_USABLE) >> 2] <= 0) {
    insertion_resize(h, mp, true);
    keys = h.i32[(mp + DICT_KEYS) >> 2];
  }
  const i32 = h.i32;
  const nentries = i32[(keys + DK_NENTRIES) >> 2];
  const hashpos = find_empty_slot(h, keys, hash);
  dictkeys_set_index(h, keys, hashpos, nentries);
  i32[key >> 2]++;
  i32[value >> 2]++;
  const entries = dk_entries(h, keys);
  if (DK_IS_UNICODE(h, keys)) {
    const ep = entries + nentries * SIZEOF_DICT_UNICODE_ENTRY;
    i32[(ep + UENTRY_KEY) >> 2] = key;
    const values = i32[(mp + DICT_VALUES) >> 2];
    if (values !== 0) {
      values_add_to_order(h, values, nentries);
      i32[(values >> 2) + nentries] = value;
    } else {
      i32[(ep + UENTRY_VALUE) >> 2] = value;
    }
  } else {
    const ep = entries + nentries * SIZEOF_DICT_ENTRY;
    i32[(ep + ENTRY_KEY) >> 2] = key;
    i32[(ep + ENTRY_HASH) >> 2] = hash;
    i32[(ep + ENTRY_VALUE) >> 2] = value;
  }
  i32[(mp + DICT_USED) >> 2]++;
  dict_bump_version(h, mp);
  i32[(keys + DK_USABLE) >> 2]--;
  i32[(keys + DK_NENTRIES) >> 2] = nentries + 1;
}

/**
 * insertdict: store key -> value (both borrowed; the dict takes its own references).
 * Replacing the value of an existing key never resizes (PyDict_SetItem's promise).
 */
export function insertdict(h: HeapState, mp: Ref, key: Ref, hash: number, value: Ref): void {
  if (DK_IS_UNICODE(h, h.i32[(mp + DICT_KEYS) >> 2]) && !is_exact_str(h, key)) {
    insertion_resize(h, mp, false);
  }
  const ix = _Py_dict_lookup(h, mp, key, hash);
  const old_value = ix >= 0 ? dict_value_at(h, mp, ix) : 0;

  MAINTAIN_TRACKING(h, mp, key, value);

  if (ix === DKIX_EMPTY) {
    // Insert into a new slot.
    insert_new_entry(h, mp, key, hash, value);
    return;
  }

  if (old_value !== value) {
    const i32 = h.i32;
    i32[value >> 2]++;
    const values = i32[(mp + DICT_VALUES) >> 2];
    if (values !== 0) {
      i32[(values >> 2) + ix] = value;
      if (old_value === 0) {
        values_add_to_order(h, values, ix);
        i32[(mp + DICT_USED) >> 2]++;
      }
    } else {
      const keys = i32[(mp + DICT_KEYS) >> 2];
      const entries = dk_entries(h, keys);
      if (DK_IS_UNICODE(h, keys)) i32[(entries + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_VALUE) >> 2] = value;
      else i32[(entries + ix * SIZEOF_DICT_ENTRY + ENTRY_VALUE) >> 2] = value;
    }
    dict_bump_version(h, mp);
    Py_XDECREF(h, old_value); // which CAN re-enter (bpo-22653)
  }
}

/** insert_to_emptydict: insertdict specialised for ma_keys == Py_EMPTY_KEYS */
function insert_to_emptydict(h: HeapState, mp: Ref, key: Ref, hash: number, value: Ref): void {
  const unicode = is_exact_str(h, key);
  const newkeys = new_keys_object(h, PyDict_LOG_MINSIZE, unicode);
  dictkeys_decref(h, h.dictEmptyKeys);
  const i32 = h.i32;
  i32[(mp + DICT_KEYS) >> 2] = newkeys;
  i32[(mp + DICT_VALUES) >> 2] = 0;

  MAINTAIN_TRACKING(h, mp, key, value);

  const hashpos = hash & (PyDict_MINSIZE - 1);
  dictkeys_set_index(h, newkeys, hashpos, 0);
  i32[key >> 2]++;
  i32[value >> 2]++;
  const ep = dk_entries(h, newkeys);
  if (unicode) {
    i32[(ep + UENTRY_KEY) >> 2] = key;
    i32[(ep + UENTRY_VALUE) >> 2] = value;
  } else {
    i32[(ep + ENTRY_KEY) >> 2] = key;
    i32[(ep + ENTRY_HASH) >> 2] = hash;
    i32[(ep + ENTRY_VALUE) >> 2] = value;
  }
  i32[(mp + DICT_USED) >> 2]++;
  dict_bump_version(h, mp);
  i32[(newkeys + DK_USABLE) >> 2]--;
  i32[(newkeys + DK_NENTRIES) >> 2]++;
}

/** build_indices_generic: index n entries that carry their hash */
function build_indices_generic(h: HeapState, keys: number, ep: number, n: number): void {
  const mask = DK_SIZE(h, keys) - 1;
  const i32 = h.i32;
  for (let ix = 0; ix !== n; ix++, ep += SIZEOF_DICT_ENTRY) {
    const hash = i32[(ep + ENTRY_HASH) >> 2];
    let i = hash & mask;
    for (let perturb = hash >>> 0; dictkeys_get_index(h, keys, i) !== DKIX_EMPTY; ) {
      perturb >>>= PERTURB_SHIFT;
      i = mask & (i * 5 + perturb + 1);
    }
    dictkeys_set_index(h, keys, i, ix);
  }
}

/** build_indices_unicode: index n str-keyed entries (hash cached in the key) */
function build_indices_unicode(h: HeapState, keys: number, ep: number, n: number): void {
  const mask = DK_SIZE(h, keys) - 1;
  const i32 = h.i32;
  for (let ix = 0; ix !== n; ix++, ep += SIZEOF_DICT_UNICODE_ENTRY) {
    const hash = i32[(i32[(ep + UENTRY_KEY) >> 2] + STR_HASH) >> 2];
    let i = hash & mask;
    for (let perturb = hash >>> 0; dictkeys_get_index(h, keys, i) !== DKIX_EMPTY; ) {
      perturb >>>= PERTURB_SHIFT;
      i = mask & (i * 5 + perturb + 1);
    }
    dictkeys_set_index(h, keys, i, ix);
  }
}

/**
 * dictresize: move the live entries, in order, into a new table of 2**log2_newsize slots.
 * Supports unicode split -> unicode combined or general, unicode combined -> unicode
 * combined or general, general -> general. Afterwards the table is always combined.
 */
export function dictresize(h: HeapState, mp: Ref, log2_newsize: number, unicode: boolean): void {
  if (log2_newsize >= 32) throw new PyError("MemoryError", "");
  const oldkeys = h.i32[(mp + DICT_KEYS) >> 2];
  const oldvalues = h.i32[(mp + DICT_VALUES) >> 2];
  if (!DK_IS_UNICODE(h, oldkeys)) unicode = false;

  // Allocate a new table (odict relies on ma_keys changing, so never reuse the old one).
  const newkeys = new_keys_object(h, log2_newsize, unicode);
  const i32 = h.i32;
  const u8 = h.u8;
  i32[(mp + DICT_KEYS) >> 2] = newkeys;
  const numentries = i32[(mp + DICT_USED) >> 2];
  const newentries = dk_entries(h, newkeys);
  const newGeneral = u8[newkeys + DK_KIND] === DICT_KEYS_GENERAL;

  if (oldvalues !== 0) {
    // split -> combined: the keys gain a reference, the values are transferred
    const oldentries = dk_entries(h, oldkeys);
    for (let i = 0; i < numentries; i++) {
      const index = get_index_from_order(h, oldvalues, i);
      const key = i32[(oldentries + index * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2];
      const value = i32[(oldvalues >> 2) + index];
      i32[key >> 2]++;
      if (newGeneral) {
        const ep = newentries + i * SIZEOF_DICT_ENTRY;
        i32[(ep + ENTRY_KEY) >> 2] = key;
        i32[(ep + ENTRY_HASH) >> 2] = unicode_get_hash(h, key);
        i32[(ep + ENTRY_VALUE) >> 2] = value;
      } else {
        const ep = newentries + i * SIZEOF_DICT_UNICODE_ENTRY;
        i32[(ep + UENTRY_KEY) >> 2] = key;
        i32[(ep + UENTRY_VALUE) >> 2] = value;
      }
    }
    if (newGeneral) build_indices_generic(h, newkeys, newentries, numentries);
    else build_indices_unicode(h, newkeys, newentries, numentries);
    // The dict is complete before the shared keys lose a reference (which may run code).
    i32[(mp + DICT_VALUES) >> 2] = 0;
    i32[(newkeys + DK_USABLE) >> 2] -= numentries;
    i32[(newkeys + DK_NENTRIES) >> 2] = numentries;
    free_values(h, oldvalues);
    dictkeys_decref(h, oldkeys);
    return;
  }

  // oldkeys is combined: entries are moved, no reference changes hands
  const oldentries = dk_entries(h, oldkeys);
  const oldn = i32[(oldkeys + DK_NENTRIES) >> 2];
  if (u8[oldkeys + DK_KIND] === DICT_KEYS_GENERAL) {
    // generic -> generic
    if (oldn === numentries) {
      u8.copyWithin(newentries, oldentries, oldentries + numentries * SIZEOF_DICT_ENTRY);
    } else {
      let ep = oldentries;
      for (let i = 0; i < numentries; i++) {
        while (i32[(ep + ENTRY_VALUE) >> 2] === 0) ep += SIZEOF_DICT_ENTRY;
        u8.copyWithin(newentries + i * SIZEOF_DICT_ENTRY, ep, ep + SIZEOF_DICT_ENTRY);
        ep += SIZEOF_DICT_ENTRY;
      }
    }
    build_indices_generic(h, newkeys, newentries, numentries);
  } else if (unicode) {
    // combined unicode -> combined unicode
    if (oldn === numentries) {
      u8.copyWithin(newentries, oldentries, oldentries + numentries * SIZEOF_DICT_UNICODE_ENTRY);
    } else {
      let ep = oldentries;
      for (let i = 0; i < numentries; i++) {
        while (i32[(ep + UENTRY_VALUE) >> 2] === 0) ep += SIZEOF_DICT_UNICODE_ENTRY;
        u8.copyWithin(newentries + i * SIZEOF_DICT_UNICODE_ENTRY, ep, ep + SIZEOF_DICT_UNICODE_ENTRY);
        ep += SIZEOF_DICT_UNICODE_ENTRY;
      }
    }
    build_indices_unicode(h, newkeys, newentries, numentries);
  } else {
    // combined unicode -> generic
    let ep = oldentries;
    for (let i = 0; i < numentries; i++) {
      while (i32[(ep + UENTRY_VALUE) >> 2] === 0) ep += SIZEOF_DICT_UNICODE_ENTRY;
      const key = i32[(ep + UENTRY_KEY) >> 2];
      const ne = newentries + i * SIZEOF_DICT_ENTRY;
      i32[(ne + ENTRY_KEY) >> 2] = key;
      i32[(ne + ENTRY_HASH) >> 2] = unicode_get_hash(h, key);
      i32[(ne + ENTRY_VALUE) >> 2] = i32[(ep + UENTRY_VALUE) >> 2];
      ep += SIZEOF_DICT_UNICODE_ENTRY;
    }
    build_indices_generic(h, newkeys, newentries, numentries);
  }

  // free_keys_object can't be used: the references were moved.
  if (oldkeys === h.dictEmptyKeys) {
    i32[(oldkeys + DK_REFCNT) >> 2]--;
  } else if (
    u8[oldkeys + DK_LOG2_SIZE] === PyDict_LOG_MINSIZE &&
    u8[oldkeys + DK_KIND] !== DICT_KEYS_GENERAL &&
    h.dictKeysFree.length < PyDict_MAXFREELIST
  ) {
    dictkeys_park(h, oldkeys);
  } else {
    mem_free(h, oldkeys);
  }
  i32[(newkeys + DK_USABLE) >> 2] -= numentries;
  i32[(newkeys + DK_NENTRIES) >> 2] = numentries;
}

// ---- the mapping protocol -----------------------------------------------------------

/**
 * d[k] = v for each [k, v] of `entries`, in order (PyDict_SetItem each; all borrowed), as
 * _PyDict_FromItems fills a dict display. Into a fresh empty dict, keys that are all
 * exact str with their hash cached, at most USABLE_FRACTION(PyDict_MINSIZE) of them, go
 * in one pass over the minimum-size table: insert_to_emptydict for the first, then
 * insertdict's new-slot path for each next one with the counters (ma_used, dk_usable,
 * dk_nentries, the version) written once at the end -- no code runs between those
 * insertions, so nothing can see the counters in between. A key met again ends the pass
 * there; it and the rest go through dict_setitem. Raises what dict_setitem raises (the
 * caller releases the dict).
 */
export function dict_fill(h: HeapState, d: Ref, entries: ArrayLike<ArrayLike<Ref>>): void {
  const n = entries.length;
  let i = 0;
  if (n !== 0 && n <= MINSIZE_USABLE && h.i32[(d + DICT_KEYS) >> 2] === h.dictEmptyKeys && str_keys_hashed(h, entries, n)) {
    i = dict_fill_str(h, d, entries, n);
  }
  for (; i < n; i++) {
    const e = entries[i];
    dict_setitem(h, d, e[0], e[1]);
  }
}

/** Are all the keys of `entries` exact str objects whose hash is cached? */
function str_keys_hashed(h: HeapState, entries: ArrayLike<ArrayLike<Ref>>, n: number): boolean {
  const i32 = h.i32;
  const strType = h.strType;
  for (let i = 0; i < n; i++) {
    const k = entries[i][0];
    if (i32[(k + OB_TYPE) >> 2] !== strType || i32[(k + STR_HASH) >> 2] === -1) return false;
  }
  return true;
}

/** dict_fill's one pass (see there); returns how many entries it inserted. */
function dict_fill_str(h: HeapState, mp: Ref, entries: ArrayLike<ArrayLike<Ref>>, n: number): number {
  const e0 = entries[0];
  const key0 = e0[0];
  insert_to_emptydict(h, mp, key0, h.i32[(key0 + STR_HASH) >> 2], e0[1]);
  // a fresh minimum-size unicode table holding entry 0: one-byte indices, no DUMMY,
  // dk_version 0 (insertdict's reset is a no-op), entry i goes to slot i
  const i32 = h.i32;
  const u8 = h.u8;
  const keys = i32[(mp + DICT_KEYS) >> 2];
  const indices = keys + DK_INDICES;
  const ep0 = indices + PyDict_MINSIZE;
  const mask = PyDict_MINSIZE - 1;
  let tracked = i32[(mp + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0;
  let i = 1;
  for (; i < n; i++) {
    const e = entries[i];
    const key = e[0];
    const value = e[1];
    const hash = i32[(key + STR_HASH) >> 2];
    // unicodekeys_lookup_unicode, which here also finds the empty slot
    let perturb = hash >>> 0;
    let j = hash & mask;
    let ix = (u8[indices + j] << 24) >> 24;
    while (ix >= 0) {
      const k = i32[(ep0 + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2];
      if (k === key || (i32[(k + STR_HASH) >> 2] === hash && unicode_eq(h, k, key))) break;
      perturb >>>= PERTURB_SHIFT;
      j = mask & (j * 5 + perturb + 1);
      ix = (u8[indices + j] << 24) >> 24;
    }
    if (ix >= 0) break; // the key is there already: dict_setitem replaces its value
    // MAINTAIN_TRACKING
    if (!tracked && (may_be_tracked(h, key) || may_be_tracked(h, value))) {
      gc_track(h, mp);
      tracked = true;
    }
    u8[indices + j] = i;
    i32[key >> 2]++;
    i32[value >> 2]++;
    const ep = ep0 + i * SIZEOF_DICT_UNICODE_ENTRY;
    i32[(ep + UENTRY_KEY) >> 2] = key;
    i32[(ep + UENTRY_VALUE) >> 2] = value;
  }
  const added = i - 1;
  if (added !== 0) {
    i32[(mp + DICT_USED) >> 2] += added;
    i32[(keys + DK_USABLE) >> 2] -= added;
    i32[(keys + DK_NENTRIES) >> 2] += added;
    dict_bump_version_n(h, mp, added);
  }
  return i;
}

/** PyDict_SetItem: d[key] = value (both borrowed). Raises TypeError for unhashable keys. */
export function dict_setitem(h: HeapState, d: Ref, key: Ref, value: Ref): void {
  const i32 = h.i32;
  if (i32[(key + OB_TYPE) >> 2] === h.strType) {
    let hash = i32[(key + STR_HASH) >> 2];
    if (hash === -1) hash = unicode_hash(h, key);
    const keys = i32[(d + DICT_KEYS) >> 2];
    if (keys === h.dictEmptyKeys) insert_to_emptydict(h, d, key, hash, value);
    else if (h.u8[keys + DK_KIND] !== DICT_KEYS_UNICODE || !insertdict_unicode_str(h, d, keys, key, hash, value)) {
      insertdict(h, d, key, hash, value);
    }
    return;
  }
  const hash = PyObject_Hash(h, key);
  if (h.i32[(d + DICT_KEYS) >> 2] === h.dictEmptyKeys) insert_to_emptydict(h, d, key, hash, value);
  else insertdict(h, d, key, hash, value);
}

/**
 * insertdict for an exact str key into a combined unicode table (the common case of
 * building a dict of str keys): unicodekeys_lookup_unicode and find_empty_slot in one
 * probe (the first DUMMY or EMPTY slot on the key's probe is where find_empty_slot
 * would land; no code runs between the two in insertdict). Returns false, having
 * changed nothing, when the key is new and the table is full (insertdict resizes).
 */
function insertdict_unicode_str(h: HeapState, mp: Ref, keys: number, key: Ref, hash: number, value: Ref): boolean {
  const u8 = h.u8;
  const i32 = h.i32;
  const log2size = u8[keys + DK_LOG2_SIZE];
  const mask = (1 << log2size) - 1;
  const indices = keys + DK_INDICES;
  const ep0 = indices + (1 << u8[keys + DK_LOG2_INDEX_BYTES]);
  let perturb = hash >>> 0;
  let i = hash & mask;
  let slot = -1;
  for (;;) {
    const ix =
      log2size < 8 ? (u8[indices + i] << 24) >> 24 : log2size < 16 ? (h.u16[(indices >> 1) + i] << 16) >> 16 : i32[(indices >> 2) + i];
    if (ix >= 0) {
      const ep = ep0 + ix * SIZEOF_DICT_UNICODE_ENTRY;
      const k = i32[(ep + UENTRY_KEY) >> 2];
      if (k === key || (i32[(k + STR_HASH) >> 2] === hash && unicode_eq(h, k, key))) {
        // the key is there: replace the value (insertdict's second half)
        MAINTAIN_TRACKING(h, mp, key, value);
        const old_value = i32[(ep + UENTRY_VALUE) >> 2];
        if (old_value !== value) {
          i32[value >> 2]++;
          i32[(ep + UENTRY_VALUE) >> 2] = value;
          dict_bump_version(h, mp);
          Py_XDECREF(h, old_value); // which CAN re-enter (bpo-22653)
        }
        return true;
      }
    } else {
      if (slot < 0) slot = i;
      if (ix === DKIX_EMPTY) break;
    }
    perturb >>>= PERTURB_SHIFT;
    i = mask & (i * 5 + perturb + 1);
  }
  if (i32[(keys + DK_USABLE) >> 2] <= 0) return false;
  MAINTAIN_TRACKING(h, mp, key, value);
  // Insert into a new slot.
  i32[(keys + DK_VERSION) >> 2] = 0;
  const nentries = i32[(keys + DK_NENTRIES) >> 2];
  if (log2size < 8) u8[indices + slot] = nentries;
  else dictkeys_set_index(h, keys, slot, nentries);
  i32[key >> 2]++;
  i32[value >> 2]++;
  const ep = ep0 + nentries * SIZEOF_DICT_UNICODE_ENTRY;
  i32[(ep + UENTRY_KEY) >> 2] = key;
  i32[(ep + UENTRY_VALUE) >> 2] = value;
  i32[(mp + DICT_USED) >> 2]++;
  dict_bump_version(h, mp);
  i32[(keys + DK_USABLE) >> 2]--;
  i32[(keys + DK_NENTRIES) >> 2] = nentries + 1;
  return true;
}

/** _PyDict_SetItem_KnownHash */
export function dict_setitem_knownhash(h: HeapState, d: Ref, key: Ref, value: Ref, hash: number): void {
  if (h.i32[(d + DICT_KEYS) >> 2] === h.dictEmptyKeys) insert_to_emptydict(h, d, key, hash, value);
  else insertdict(h, d, key, hash, value);
}

/**
 * PyDict_GetItemWithError: the value (borrowed) or 0 when the key is missing. Errors
 * of hashing and comparing propagate.
 */
export function dict_getitem(h: HeapState, d: Ref, key: Ref): Ref {
  const hash = dict_key_hash(h, key);
  const ix = _Py_dict_lookup(h, d, key, hash);
  return ix >= 0 ? dict_value_at(h, d, ix) : 0;
}

/** _PyDict_GetItem_KnownHash (borrowed or 0) */
export function dict_getitem_knownhash(h: HeapState, d: Ref, key: Ref, hash: number): Ref {
  const ix = _Py_dict_lookup(h, d, key, hash);
  return ix >= 0 ? dict_value_at(h, d, ix) : 0;
}

/** _PyErr_SetKeyError: KeyError whose text is repr(key) */
export function key_error(h: HeapState, key: Ref): PyError {
  return new PyError("KeyError", PyObject_Repr(h, key));
}

/** delitem_common: remove entry ix (found for `hash`), then drop key and value. */
function delitem_common(h: HeapState, mp: Ref, hash: number, ix: number, old_value: Ref): void {
  let i32 = h.i32;
  const keys = i32[(mp + DICT_KEYS) >> 2];
  const hashpos = lookdict_index(h, keys, hash, ix);
  i32[(mp + DICT_USED) >> 2]--;
  dict_bump_version(h, mp);
  const values = i32[(mp + DICT_VALUES) >> 2];
  if (values !== 0) {
    i32[(values >> 2) + ix] = 0;
    delete_index_from_values(h, values, ix);
  } else {
    i32[(keys + DK_VERSION) >> 2] = 0;
    dictkeys_set_index(h, keys, hashpos, DKIX_DUMMY);
    const entries = dk_entries(h, keys);
    let old_key: Ref;
    if (DK_IS_UNICODE(h, keys)) {
      const ep = entries + ix * SIZEOF_DICT_UNICODE_ENTRY;
      old_key = i32[(ep + UENTRY_KEY) >> 2];
      i32[(ep + UENTRY_KEY) >> 2] = 0;
      i32[(ep + UENTRY_VALUE) >> 2] = 0;
    } else {
      const ep = entries + ix * SIZEOF_DICT_ENTRY;
      old_key = i32[(ep + ENTRY_KEY) >> 2];
      i32[(ep + ENTRY_KEY) >> 2] = 0;
      i32[(ep + ENTRY_VALUE) >> 2] = 0;
      i32[(ep + ENTRY_HASH) >> 2] = 0;
    }
    Py_DECREF(h, old_key);
    i32 = h.i32;
  }
  Py_DECREF(h, old_value);
}

/** PyDict_DelItem: del d[key]; KeyError(repr(key)) when missing. */
export function dict_delitem(h: HeapState, d: Ref, key: Ref): void {
  const hash = dict_key_hash(h, key);
  const ix = _Py_dict_lookup(h, d, key, hash);
  const old_value = ix >= 0 ? dict_value_at(h, d, ix) : 0;
  if (old_value === 0) throw key_error(h, key);
  delitem_common(h, d, hash, ix, old_value);
}

/** Delete key if present (PyDict_DelItem without the KeyError): true when it was there. */
export function dict_discard(h: HeapState, d: Ref, key: Ref): boolean {
  const hash = dict_key_hash(h, key);
  const ix = _Py_dict_lookup(h, d, key, hash);
  const old_value = ix >= 0 ? dict_value_at(h, d, ix) : 0;
  if (old_value === 0) return false;
  delitem_common(h, d, hash, ix, old_value);
  return true;
}

/**
 * _PyDict_Pop (dict.pop): remove key and return its value (new reference); when missing,
 * `deflt` (new reference) if given, else KeyError.
 */
export function dict_pop(h: HeapState, d: Ref, key: Ref, deflt: Ref = 0): Ref {
  if (h.i32[(d + DICT_USED) >> 2] === 0) {
    if (deflt !== 0) {
      Py_INCREF(h, deflt);
      return deflt;
    }
    throw key_error(h, key);
  }
  const hash = dict_key_hash(h, key);
  const ix = _Py_dict_lookup(h, d, key, hash);
  const old_value = ix >= 0 ? dict_value_at(h, d, ix) : 0;
  if (old_value === 0) {
    if (deflt !== 0) {
      Py_INCREF(h, deflt);
      return deflt;
    }
    throw key_error(h, key);
  }
  Py_INCREF(h, old_value);
  delitem_common(h, d, hash, ix, old_value);
  return old_value;
}

/** PyDict_Contains */
export function dict_contains(h: HeapState, d: Ref, key: Ref): boolean {
  const hash = dict_key_hash(h, key);
  const ix = _Py_dict_lookup(h, d, key, hash);
  return ix >= 0 && dict_value_at(h, d, ix) !== 0;
}

/** _PyDict_Contains_KnownHash */
export function dict_contains_knownhash(h: HeapState, d: Ref, key: Ref, hash: number): boolean {
  const ix = _Py_dict_lookup(h, d, key, hash);
  return ix >= 0 && dict_value_at(h, d, ix) !== 0;
}

/** PyDict_Size */
export function dict_len(h: HeapState, d: Ref): number {
  return h.i32[(d + DICT_USED) >> 2];
}

/** dict_subscript (d[key] of an exact dict): new reference, KeyError when missing. */
export function dict_subscript(h: HeapState, d: Ref, key: Ref): Ref {
  const v = dict_getitem(h, d, key);
  if (v === 0) throw key_error(h, key);
  Py_INCREF(h, v);
  return v;
}

/**
 * PyDict_SetDefault: the value of key, inserting `deflt` first when missing (borrowed).
 */
export function dict_setdefault(h: HeapState, d: Ref, key: Ref, deflt: Ref): Ref {
  const hash = dict_key_hash(h, key);
  if (h.i32[(d + DICT_KEYS) >> 2] === h.dictEmptyKeys) {
    insert_to_emptydict(h, d, key, hash, deflt);
    return deflt;
  }
  if (!is_exact_str(h, key) && DK_IS_UNICODE(h, h.i32[(d + DICT_KEYS) >> 2])) {
    insertion_resize(h, d, false);
  }
  const ix = _Py_dict_lookup(h, d, key, hash);
  if (ix === DKIX_EMPTY) {
    MAINTAIN_TRACKING(h, d, key, deflt);
    insert_new_entry(h, d, key, hash, deflt);
    return deflt;
  }
  const value = dict_value_at(h, d, ix);
  if (value === 0) {
    // a pending slot of a split table
    const i32 = h.i32;
    i32[deflt >> 2]++;
    MAINTAIN_TRACKING(h, d, key, deflt);
    const values = i32[(d + DICT_VALUES) >> 2];
    i32[(values >> 2) + ix] = deflt;
    values_add_to_order(h, values, ix);
    i32[(d + DICT_USED) >> 2]++;
    dict_bump_version(h, d);
    return deflt;
  }
  return value;
}

/**
 * dict.popitem(): remove and return the last (key, value) pair as a new 2-tuple (LIFO).
 * KeyError 'popitem(): dictionary is empty'.
 */
export function dict_popitem(h: HeapState, d: Ref): Ref {
  // The result tuple is allocated before the size is checked: the allocation may run a
  // collection that empties the dict.
  const res = tuple_pack2(h, h.None, h.None);
  if (h.i32[(d + DICT_USED) >> 2] === 0) {
    Py_DECREF(h, res);
    throw new PyError("KeyError", "'popitem(): dictionary is empty'");
  }
  let keys = h.i32[(d + DICT_KEYS) >> 2];
  if (h.u8[keys + DK_KIND] === DICT_KEYS_SPLIT) {
    try {
      dictresize(h, d, h.u8[keys + DK_LOG2_SIZE], true);
    } catch (e) {
      Py_DECREF(h, res);
      throw e;
    }
    keys = h.i32[(d + DICT_KEYS) >> 2];
  }
  const i32 = h.i32;
  i32[(keys + DK_VERSION) >> 2] = 0;
  const ep0 = dk_entries(h, keys);
  let i = i32[(keys + DK_NENTRIES) >> 2] - 1;
  let key: Ref, value: Ref, hash: number;
  if (DK_IS_UNICODE(h, keys)) {
    while (i >= 0 && i32[(ep0 + i * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_VALUE) >> 2] === 0) i--;
    const ep = ep0 + i * SIZEOF_DICT_UNICODE_ENTRY;
    key = i32[(ep + UENTRY_KEY) >> 2];
    hash = unicode_get_hash(h, key);
    value = i32[(ep + UENTRY_VALUE) >> 2];
    i32[(ep + UENTRY_KEY) >> 2] = 0;
    i32[(ep + UENTRY_VALUE) >> 2] = 0;
  } else {
    while (i >= 0 && i32[(ep0 + i * SIZEOF_DICT_ENTRY + ENTRY_VALUE) >> 2] === 0) i--;
    const ep = ep0 + i * SIZEOF_DICT_ENTRY;
    key = i32[(ep + ENTRY_KEY) >> 2];
    hash = i32[(ep + ENTRY_HASH) >> 2];
    value = i32[(ep + ENTRY_VALUE) >> 2];
    i32[(ep + ENTRY_KEY) >> 2] = 0;
    i32[(ep + ENTRY_HASH) >> 2] = -1;
    i32[(ep + ENTRY_VALUE) >> 2] = 0;
  }
  const j = lookdict_index(h, keys, hash, i);
  dictkeys_set_index(h, keys, j, DKIX_DUMMY);
  // the tuple takes over the dict's references
  i32[(res + TUPLE_ITEMS) >> 2] = key;
  i32[(res + TUPLE_ITEMS + 4) >> 2] = value;
  // We can't dk_usable++ since there is DKIX_DUMMY in indices
  i32[(keys + DK_NENTRIES) >> 2] = i;
  i32[(d + DICT_USED) >> 2]--;
  dict_bump_version(h, d);
  Py_DECREF(h, h.None);
  Py_DECREF(h, h.None);
  return res;
}

/**
 * PyDict_Clear (also dict's tp_clear): the dict is made empty first, then the old
 * keys and values are released (which may run arbitrary code).
 */
export function dict_clear(h: HeapState, d: Ref): void {
  const i32 = h.i32;
  const oldkeys = i32[(d + DICT_KEYS) >> 2];
  const oldvalues = i32[(d + DICT_VALUES) >> 2];
  if (oldkeys === h.dictEmptyKeys) return;
  dictkeys_incref(h, h.dictEmptyKeys);
  i32[(d + DICT_KEYS) >> 2] = h.dictEmptyKeys;
  i32[(d + DICT_VALUES) >> 2] = 0;
  i32[(d + DICT_USED) >> 2] = 0;
  dict_bump_version(h, d);
  if (oldvalues !== 0) {
    const n = i32[(oldkeys + DK_NENTRIES) >> 2];
    for (let i = 0; i < n; i++) {
      const slot = (oldvalues >> 2) + i;
      const v = h.i32[slot];
      if (v !== 0) {
        h.i32[slot] = 0;
        Py_DECREF(h, v);
      }
    }
    free_values(h, oldvalues);
    dictkeys_decref(h, oldkeys);
  } else {
    dictkeys_decref(h, oldkeys);
  }
}
export { dict_clear as dict_tp_clear };

// ---- iteration (_PyDict_Next) ----------------------------------------------------------

/**
 * _PyDict_Next without out-parameters: from position `pos` (0 to start), the position
 * after the next live entry, or -1 at the end. The entry's key, value and hash are left
 * in h.dictIterKey / h.dictIterValue / h.dictIterHash (borrowed); dict_pos_key /
 * dict_pos_value / dict_pos_hash(h, d, returnedPos) read them again. Nothing is allocated.
 *
 *   for (let p = dict_next(h, d, 0); p !== -1; p = dict_next(h, d, p)) { h.dictIterKey ... }
 *
 * As in C, only replacing values is safe while iterating.
 */
export function dict_next(h: HeapState, d: Ref, pos: number): number {
  const i32 = h.i32;
  let i = pos;
  const values = i32[(d + DICT_VALUES) >> 2];
  const keys = i32[(d + DICT_KEYS) >> 2];
  const entries = dk_entries(h, keys);
  if (values !== 0) {
    if (i < 0 || i >= i32[(d + DICT_USED) >> 2]) return -1;
    const index = get_index_from_order(h, values, i);
    const key = i32[(entries + index * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2];
    h.dictIterKey = key;
    h.dictIterValue = i32[(values >> 2) + index];
    h.dictIterHash = i32[(key + STR_HASH) >> 2];
    return i + 1;
  }
  const n = i32[(keys + DK_NENTRIES) >> 2];
  if (i < 0 || i >= n) return -1;
  if (h.u8[keys + DK_KIND] !== DICT_KEYS_GENERAL) {
    while (i < n && i32[(entries + i * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_VALUE) >> 2] === 0) i++;
    if (i >= n) return -1;
    const ep = entries + i * SIZEOF_DICT_UNICODE_ENTRY;
    const key = i32[(ep + UENTRY_KEY) >> 2];
    h.dictIterKey = key;
    h.dictIterValue = i32[(ep + UENTRY_VALUE) >> 2];
    h.dictIterHash = i32[(key + STR_HASH) >> 2];
  } else {
    while (i < n && i32[(entries + i * SIZEOF_DICT_ENTRY + ENTRY_VALUE) >> 2] === 0) i++;
    if (i >= n) return -1;
    const ep = entries + i * SIZEOF_DICT_ENTRY;
    h.dictIterKey = i32[(ep + ENTRY_KEY) >> 2];
    h.dictIterValue = i32[(ep + ENTRY_VALUE) >> 2];
    h.dictIterHash = i32[(ep + ENTRY_HASH) >> 2];
  }
  return i + 1;
}

/** entry index of the item dict_next returned `pos` for */
function pos_index(h: HeapState, d: Ref, pos: number): number {
  const values = h.i32[(d + DICT_VALUES) >> 2];
  return values !== 0 ? get_index_from_order(h, values, pos - 1) : pos - 1;
}

/** the key (borrowed) of the item dict_next returned `pos` for */
export function dict_pos_key(h: HeapState, d: Ref, pos: number): Ref {
  const keys = h.i32[(d + DICT_KEYS) >> 2];
  const ix = pos_index(h, d, pos);
  const entries = dk_entries(h, keys);
  if (h.u8[keys + DK_KIND] !== DICT_KEYS_GENERAL) return h.i32[(entries + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2];
  return h.i32[(entries + ix * SIZEOF_DICT_ENTRY + ENTRY_KEY) >> 2];
}

/** the value (borrowed) of the item dict_next returned `pos` for */
export function dict_pos_value(h: HeapState, d: Ref, pos: number): Ref {
  return dict_value_at(h, d, pos_index(h, d, pos));
}

/** the stored hash of the item dict_next returned `pos` for */
export function dict_pos_hash(h: HeapState, d: Ref, pos: number): number {
  const keys = h.i32[(d + DICT_KEYS) >> 2];
  const ix = pos_index(h, d, pos);
  const entries = dk_entries(h, keys);
  if (h.u8[keys + DK_KIND] !== DICT_KEYS_GENERAL) {
    return unicode_get_hash(h, h.i32[(entries + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2]);
  }
  return h.i32[(entries + ix * SIZEOF_DICT_ENTRY + ENTRY_HASH) >> 2];
}

// ---- keys(), values(), items() as lists -------------------------------------------------

function list_item_slot(h: HeapState, list: Ref, j: number): number {
  return (h.i32[(list + LIST_ITEMS) >> 2] >> 2) + j;
}

/**
 * A list of `ma_used` items, filled by fill(list, n) — which must not call out — once
 * the size it was made for is still the dict's: making it may run a collection, whose
 * finalizers may resize the dict, and then it starts over (dictobject.c's `again:`).
 */
function list_of_used(h: HeapState, d: Ref, fill: (list: Ref, n: number) => void): Ref {
  for (;;) {
    const n = h.i32[(d + DICT_USED) >> 2];
    const v = list_new_empty(h, n);
    fill(v, n);
    if (n === h.i32[(d + DICT_USED) >> 2]) return v;
    // The allocation caused the dict to change size: start over.
    Py_DECREF(h, v);
  }
}

/** dict_keys (PyDict_Keys) and dict_values (PyDict_Values): a new list of the keys or values in order */
function dict_keys_or_values(h: HeapState, d: Ref, values: boolean): Ref {
  const v = list_of_used(h, d, () => {});
  // Nothing below calls out.
  let j = 0;
  for (let p = dict_next(h, d, 0); p !== -1; p = dict_next(h, d, p)) {
    const o = values ? dict_pos_value(h, d, p) : dict_pos_key(h, d, p);
    h.i32[o >> 2]++;
    h.i32[list_item_slot(h, v, j++)] = o;
  }
  return v;
}

/** dict_keys (PyDict_Keys): a new list of the keys in order */
export function dict_keys(h: HeapState, d: Ref): Ref {
  return dict_keys_or_values(h, d, false);
}

/** dict_values (PyDict_Values): a new list of the values in order */
export function dict_values(h: HeapState, d: Ref): Ref {
  return dict_keys_or_values(h, d, true);
}

/** dict_items (PyDict_Items): a new list of (key, value) tuples in order */
export function dict_items(h: HeapState, d: Ref): Ref {
  // Preallocate the list of tuples, to avoid allocations during the loop over the items,
  // which could trigger GC, which could resize the dict.
  const v = list_of_used(h, d, (list, n) =>
    filled(h, list, () => {
      // a MemoryError part-way: the list owns the tuples made so far (the other slots
      // are still NULL), so releasing it releases them
      for (let i = 0; i < n; i++) h.i32[list_item_slot(h, list, i)] = tuple_pack2(h, h.None, h.None);
    }),
  );
  let j = 0;
  for (let p = dict_next(h, d, 0); p !== -1; p = dict_next(h, d, p)) {
    const i32 = h.i32;
    const item = i32[list_item_slot(h, v, j++)];
    const key = dict_pos_key(h, d, p);
    const value = dict_pos_value(h, d, p);
    i32[key >> 2]++;
    i32[value >> 2]++;
    i32[(item + TUPLE_ITEMS) >> 2] = key;
    i32[(item + TUPLE_ITEMS + 4) >> 2] = value;
    i32[h.None >> 2] -= 2; // the placeholders (None is never freed)
  }
  return v;
}

// ---- copy, merge, update -----------------------------------------------------------------

/** tp_iter of the dict's type is dict_iter (exact dict, or a subclass without __iter__) */
function has_dict_iter(h: HeapState, d: Ref): boolean {
  const t = h.i32[(d + OB_TYPE) >> 2];
  if (t === h.T.dict.ref) return true;
  return !slots_of(h, d).special.has("__iter__");
}

/** clone_combined_dict_keys: a copy of a combined keys object; keys and values gain a reference */
function clone_combined_dict_keys(h: HeapState, orig: Ref): number {
  const okeys = h.i32[(orig + DICT_KEYS) >> 2];
  const keys_size = _PyDict_KeysSize(h, okeys);
  const keys = mem_malloc(h, keys_size);
  const okeys2 = h.i32[(orig + DICT_KEYS) >> 2];
  h.u8.copyWithin(keys, okeys2, okeys2 + keys_size);
  const i32 = h.i32;
  const n = i32[(keys + DK_NENTRIES) >> 2];
  const unicode = DK_IS_UNICODE(h, keys);
  const es = unicode ? SIZEOF_DICT_UNICODE_ENTRY : SIZEOF_DICT_ENTRY;
  const koff = unicode ? UENTRY_KEY : ENTRY_KEY;
  const voff = unicode ? UENTRY_VALUE : ENTRY_VALUE;
  let ep = dk_entries(h, keys);
  for (let i = 0; i < n; i++, ep += es) {
    const value = i32[(ep + voff) >> 2];
    if (value !== 0) {
      i32[value >> 2]++;
      i32[i32[(ep + koff) >> 2] >> 2]++;
    }
  }
  return keys;
}

/**
 * PyDict_Copy: a new dict with the same items. Split dicts copy their values and share
 * the keys; compact combined dicts clone the keys object; others are merged item by item.
 * The copy is tracked if the original is.
 */
export function dict_copy(h: HeapState, o: Ref): Ref {
  let i32 = h.i32;
  if (i32[(o + DICT_USED) >> 2] === 0) return dict_new(h);
  const mvalues = i32[(o + DICT_VALUES) >> 2];
  if (mvalues !== 0) {
    const mkeys = i32[(o + DICT_KEYS) >> 2];
    const size = shared_keys_usable_size(h, mkeys);
    const newvalues = new_values(h, size);
    let split_copy: Ref;
    try {
      split_copy = gc_alloc(h, h.T.dict, SIZEOF_DICT);
    } catch (e) {
      free_values(h, newvalues);
      throw e;
    }
    i32 = h.i32;
    const u8 = h.u8;
    const ovalues = i32[(o + DICT_VALUES) >> 2];
    const keys = i32[(o + DICT_KEYS) >> 2];
    const prefix_size = u8[newvalues + DV_PREFIX_SIZE];
    u8.copyWithin(newvalues - prefix_size, ovalues - prefix_size, ovalues - 1);
    i32[(split_copy + DICT_VALUES) >> 2] = newvalues;
    i32[(split_copy + DICT_KEYS) >> 2] = keys;
    i32[(split_copy + DICT_USED) >> 2] = i32[(o + DICT_USED) >> 2];
    i32[(split_copy + DICT_USED + 4) >> 2] = 0;
    dict_bump_version(h, split_copy);
    dictkeys_incref(h, keys);
    for (let i = 0; i < size; i++) {
      const value = i32[(ovalues >> 2) + i];
      if (value !== 0) i32[value >> 2]++;
      i32[(newvalues >> 2) + i] = value;
    }
    if (gc_is_tracked(h, o)) gc_track(h, split_copy);
    return split_copy;
  }
  const okeys = i32[(o + DICT_KEYS) >> 2];
  if (has_dict_iter(h, o) && i32[(o + DICT_USED) >> 2] >= Math.floor((i32[(okeys + DK_NENTRIES) >> 2] * 2) / 3)) {
    // Fast copy: (1) tp_iter not overridden, (2) not split, (3) at most 1/3 unused entries.
    const keys = clone_combined_dict_keys(h, o);
    const copy = new_dict(h, keys, 0, 0, false);
    h.i32[(copy + DICT_USED) >> 2] = h.i32[(o + DICT_USED) >> 2];
    if (gc_is_tracked(h, o)) gc_track(h, copy);
    return copy;
  }
  const copy = dict_new(h);
  try {
    dict_merge(h, copy, o, 1);
  } catch (e) {
    Py_DECREF(h, copy);
    throw e;
  }
  return copy;
}

/**
 * dict_merge (PyDict_Merge / _PyDict_MergeEx): a dict `b` (or a subclass that keeps
 * dict's __iter__) item by item with its stored hashes, any other mapping through
 * b.keys() and b[key]. override: 1 = update, 0 = keep existing items, 2 = KeyError on
 * an existing key.
 */
export function dict_merge(h: HeapState, a: Ref, b: Ref, override: number): void {
  if (!is_dict(h, a)) throw new PyError("SystemError", "bad argument to internal function");
  if (is_dict(h, b) && has_dict_iter(h, b)) {
    const mp = a;
    const other = b;
    let i32 = h.i32;
    if (other === mp || i32[(other + DICT_USED) >> 2] === 0) return; // a.update(a) or a.update({})
    if (i32[(mp + DICT_USED) >> 2] === 0) {
      // The target is empty: no item can be overridden.
      override = 1;
      const okeys = i32[(other + DICT_KEYS) >> 2];
      const oused = i32[(other + DICT_USED) >> 2];
      // If other is clean, combined, and just allocated, just clone it.
      if (
        i32[(other + DICT_VALUES) >> 2] === 0 &&
        oused === i32[(okeys + DK_NENTRIES) >> 2] &&
        (h.u8[okeys + DK_LOG2_SIZE] === PyDict_LOG_MINSIZE || USABLE_FRACTION(DK_SIZE(h, okeys) / 2) < oused)
      ) {
        const keys = clone_combined_dict_keys(h, other);
        const oldkeys = h.i32[(mp + DICT_KEYS) >> 2];
        dictkeys_decref(h, oldkeys);
        i32 = h.i32;
        i32[(mp + DICT_KEYS) >> 2] = keys;
        const mvalues = i32[(mp + DICT_VALUES) >> 2];
        if (mvalues !== 0) {
          free_values(h, mvalues);
          i32[(mp + DICT_VALUES) >> 2] = 0;
        }
        i32[(mp + DICT_USED) >> 2] = i32[(other + DICT_USED) >> 2];
        dict_bump_version(h, mp);
        if (gc_is_tracked(h, other) && !gc_is_tracked(h, mp)) gc_track(h, mp);
        return;
      }
    }
    // Do one big resize at the start, rather than incrementally resizing.
    if (USABLE_FRACTION(DK_SIZE(h, i32[(mp + DICT_KEYS) >> 2])) < i32[(other + DICT_USED) >> 2]) {
      const unicode = DK_IS_UNICODE(h, i32[(other + DICT_KEYS) >> 2]);
      dictresize(h, mp, estimate_log2_keysize(i32[(mp + DICT_USED) >> 2] + i32[(other + DICT_USED) >> 2]), unicode);
    }
    const orig_size = h.i32[(h.i32[(other + DICT_KEYS) >> 2] + DK_NENTRIES) >> 2];
    for (let pos = dict_next(h, other, 0); pos !== -1; pos = dict_next(h, other, pos)) {
      const key = dict_pos_key(h, other, pos);
      const value = dict_pos_value(h, other, pos);
      const hash = dict_pos_hash(h, other, pos);
      Py_INCREF(h, key);
      Py_INCREF(h, value);
      try {
        if (override === 1) {
          dict_setitem_knownhash(h, mp, key, value, hash);
        } else if (!dict_contains_knownhash(h, a, key, hash)) {
          dict_setitem_knownhash(h, mp, key, value, hash);
        } else if (override !== 0) {
          throw key_error(h, key);
        }
      } finally {
        Py_DECREF(h, value);
        Py_DECREF(h, key);
      }
      if (orig_size !== h.i32[(h.i32[(other + DICT_KEYS) >> 2] + DK_NENTRIES) >> 2]) {
        throw new PyError("RuntimeError", "dict mutated during update");
      }
    }
    return;
  }
  // Do it the generic, slower way: for key in b.keys(): a[key] = b[key]
  const keys = PyMapping_Keys(h, b);
  let iter: Ref;
  try {
    iter = PyObject_GetIter(h, keys);
  } finally {
    Py_DECREF(h, keys);
  }
  try {
    for (let key = PyIter_Next(h, iter); key !== 0; key = PyIter_Next(h, iter)) {
      try {
        if (override !== 1 && dict_contains(h, a, key)) {
          if (override === 0) continue;
          throw key_error(h, key);
        }
        const value = PyObject_GetItem(h, b, key);
        try {
          dict_setitem(h, a, key, value);
        } finally {
          Py_DECREF(h, value);
        }
      } finally {
        Py_DECREF(h, key);
      }
    }
  } finally {
    Py_DECREF(h, iter);
  }
}

/** PyMapping_Keys: list(o.keys()) for a mapping (a new list for an exact dict), new reference */
function PyMapping_Keys(h: HeapState, o: Ref): Ref {
  if (is_exact_dict(h, o)) return dict_keys(h, o);
  const meth = getattr(h, o, "keys");
  try {
    return call_object(h, meth, [], null);
  } finally {
    Py_DECREF(h, meth);
  }
}

/**
 * PyDict_MergeFromSeq2: update from an iterable of key/value pairs (each a sequence of
 * length 2: a tuple or a list). override 0 keeps existing items.
 */
export function dict_merge_from_seq2(h: HeapState, d: Ref, seq2: Ref, override: boolean): void {
  const it = PyObject_GetIter(h, seq2);
  try {
    for (let i = 0; ; ++i) {
      const item = PyIter_Next(h, it);
      if (item === 0) break;
      try {
        const i32 = h.i32;
        const kind = i32[(i32[(item + OB_TYPE) >> 2] + TP_KIND) >> 2];
        if (kind !== K_TUPLE && kind !== K_LIST) {
          throw typeError(`cannot convert dictionary update sequence element #${i} to a sequence`);
        }
        const n = i32[(item + OB_SIZE) >> 2];
        if (n !== 2) {
          throw new PyError("ValueError", `dictionary update sequence element #${i} has length ${n}; 2 is required`);
        }
        const base = kind === K_TUPLE ? item + TUPLE_ITEMS : i32[(item + LIST_ITEMS) >> 2];
        const key = i32[base >> 2];
        const value = i32[(base + 4) >> 2];
        Py_INCREF(h, key);
        Py_INCREF(h, value);
        try {
          if (override) dict_setitem(h, d, key, value);
          else dict_setdefault(h, d, key, value);
        } finally {
          Py_DECREF(h, key);
          Py_DECREF(h, value);
        }
      } finally {
        Py_DECREF(h, item);
      }
    }
  } finally {
    Py_DECREF(h, it);
  }
}

/**
 * dict.update(other) for one positional argument (dict_update_arg): an exact dict or
 * anything with a `keys` attribute is merged as a mapping, anything else is taken as an
 * iterable of pairs.
 */
export function dict_update(h: HeapState, d: Ref, other: Ref): void {
  if (is_exact_dict(h, other) || hasattr(h, other, "keys")) dict_merge(h, d, other, 1);
  else dict_merge_from_seq2(h, d, other, true);
}

// ---- comparison -------------------------------------------------------------------------

/** dict_equal: same length and every key of a maps to an equal value in b */
export function dict_equal(h: HeapState, a: Ref, b: Ref): boolean {
  if (h.i32[(a + DICT_USED) >> 2] !== h.i32[(b + DICT_USED) >> 2]) return false;
  for (let i = 0; i < h.i32[(h.i32[(a + DICT_KEYS) >> 2] + DK_NENTRIES) >> 2]; i++) {
    const i32 = h.i32;
    const keys = i32[(a + DICT_KEYS) >> 2];
    const entries = dk_entries(h, keys);
    let key: Ref, aval: Ref, hash: number;
    if (DK_IS_UNICODE(h, keys)) {
      const ep = entries + i * SIZEOF_DICT_UNICODE_ENTRY;
      key = i32[(ep + UENTRY_KEY) >> 2];
      if (key === 0) continue;
      hash = unicode_get_hash(h, key);
      const values = i32[(a + DICT_VALUES) >> 2];
      aval = values !== 0 ? i32[(values >> 2) + i] : i32[(ep + UENTRY_VALUE) >> 2];
    } else {
      const ep = entries + i * SIZEOF_DICT_ENTRY;
      key = i32[(ep + ENTRY_KEY) >> 2];
      aval = i32[(ep + ENTRY_VALUE) >> 2];
      hash = i32[(ep + ENTRY_HASH) >> 2];
    }
    if (aval === 0) continue;
    // keep aval and key alive until we're done with them
    Py_INCREF(h, aval);
    Py_INCREF(h, key);
    let cmp: boolean;
    try {
      const bval = dict_getitem_knownhash(h, b, key, hash);
      if (bval === 0) return false;
      Py_INCREF(h, bval);
      try {
        cmp = PyObject_RichCompareBool(h, aval, bval, Py_EQ);
      } finally {
        Py_DECREF(h, bval);
      }
    } finally {
      Py_DECREF(h, key);
      Py_DECREF(h, aval);
    }
    if (!cmp) return false;
  }
  return true;
}

/** dict_richcompare: a bool (new reference) for ==/!= between dicts, else NotImplemented */
export function dict_richcompare(h: HeapState, v: Ref, w: Ref, op: number): Ref {
  let res: Ref;
  if (!is_dict(h, v) || !is_dict(h, w) || (op !== Py_EQ && op !== Py_NE)) res = h.NotImplemented;
  else res = dict_equal(h, v, w) === (op === Py_EQ) ? h.True : h.False;
  Py_INCREF(h, res);
  return res;
}

// ---- deallocation, traversal, size -----------------------------------------------------------

/**
 * dict_dealloc: untrack, then (through the trashcan when the type is exactly dict)
 * release the values and the keys object, and keep the dict on the free list (exact
 * dicts, up to 80) or free it.
 */
export function dict_dealloc(h: HeapState, mp: Ref): void {
  // bpo-31095: UnTrack is needed before calling any callbacks
  const i32 = h.i32;
  if (i32[(mp + GC_HEAD_OFFSET + GC_NEXT) >> 2] !== 0) gc_list_remove(h, mp + GC_HEAD_OFFSET);
  const exact = i32[(mp + OB_TYPE) >> 2] === h.dictType;
  if (exact) {
    // Py_TRASHCAN_BEGIN
    if (h.trash_delete_nesting >= PyTrash_UNWIND_LEVEL) {
      h.trash_delete_later.push(mp);
      return;
    }
    ++h.trash_delete_nesting;
  }
  const values = i32[(mp + DICT_VALUES) >> 2];
  const keys = i32[(mp + DICT_KEYS) >> 2];
  if (values !== 0) {
    const n = i32[(keys + DK_NENTRIES) >> 2];
    for (let i = 0; i < n; i++) Py_XDECREF(h, h.i32[(values >> 2) + i]);
    free_values(h, values);
    dictkeys_decref(h, keys);
  } else if (keys !== 0) {
    // dictkeys_decref
    if (--i32[(keys + DK_REFCNT) >> 2] === 0) free_keys_object(h, keys);
  }
  if (exact && h.dictFree.length < PyDict_MAXFREELIST) {
    // kept for reuse; ob_type 0 while it waits, as every freed object, so a stale
    // handle is caught (it is restored on reuse)
    const free = h.dictFree;
    const j32 = h.i32;
    j32[(mp + OB_TYPE) >> 2] = 0;
    j32[(mp + DICT_KEYS) >> 2] = free.head;
    free.head = mp;
    free.length++;
    if (h.live !== null) h.live.delete(mp);
  } else {
    object_free(h, mp, slots_of(h, mp));
  }
  // Py_TRASHCAN_END
  if (exact && --h.trash_delete_nesting <= 0 && h.trash_delete_later.length !== 0) trash_destroy_chain(h);
}

/** _PyDict_ClearFreeList: free the kept dicts and keys objects (full collections do this) */
export function dict_clear_freelists(h: HeapState): void {
  const free = h.dictFree;
  while (free.length !== 0) {
    const mp = free.head;
    free.head = h.i32[(mp + DICT_KEYS) >> 2];
    free.length--;
    // PyObject_GC_Del: the dict is untracked; this counts the deallocation
    object_free(h, mp, h.T.dict);
  }
  const kfree = h.dictKeysFree;
  while (kfree.length !== 0) {
    const dk = kfree.head;
    kfree.head = h.i32[(dk + DK_REFCNT) >> 2];
    kfree.length--;
    mem_free(h, dk);
  }
}

/**
 * dict_traverse in 3.11's order: unicode tables visit the values only (split tables
 * their values array), general tables the value then the key of each live entry.
 */
export function dict_traverse<A>(h: HeapState, mp: Ref, visit: Visit<A>, arg: A): void {
  const keys = h.i32[(mp + DICT_KEYS) >> 2];
  const n = h.i32[(keys + DK_NENTRIES) >> 2];
  const entries = dk_entries(h, keys);
  if (DK_IS_UNICODE(h, keys)) {
    const values = h.i32[(mp + DICT_VALUES) >> 2];
    if (values !== 0) {
      for (let i = 0; i < n; i++) {
        const v = h.i32[(values >> 2) + i];
        if (v !== 0) visit(h, v, arg);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = h.i32[(entries + i * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_VALUE) >> 2];
        if (v !== 0) visit(h, v, arg);
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const ep = entries + i * SIZEOF_DICT_ENTRY;
      const v = h.i32[(ep + ENTRY_VALUE) >> 2];
      if (v !== 0) {
        visit(h, v, arg);
        visit(h, h.i32[(ep + ENTRY_KEY) >> 2], arg);
      }
    }
  }
}

/**
 * _PyDict_SizeOf (dict.__sizeof__): the object, the values of a split table, and the
 * keys object when this dict owns it alone. sys.getsizeof adds the 8-byte GC head.
 */
export function dict_sizeof(h: HeapState, mp: Ref): number {
  const i32 = h.i32;
  let res = i32[(i32[(mp + OB_TYPE) >> 2] + TP_BASICSIZE) >> 2];
  const keys = i32[(mp + DICT_KEYS) >> 2];
  if (i32[(mp + DICT_VALUES) >> 2] !== 0) res += shared_keys_usable_size(h, keys) * 4;
  // If the dictionary is split, the keys portion is accounted for in the type object.
  if (i32[(keys + DK_REFCNT) >> 2] === 1) res += _PyDict_KeysSize(h, keys);
  return res;
}

// ---- iterators ------------------------------------------------------------------------------

/** dictiter_new: an iterator over d's keys, values or items (tracked, holds a reference to d) */
export function dictiter_new(h: HeapState, d: Ref, itertype: TypeSlots): Ref {
  const di = gc_alloc(h, itertype, SIZEOF_DICTITER);
  const i32 = h.i32;
  Py_INCREF(h, d);
  i32[(di + DICTITER_DICT) >> 2] = d;
  const used = i32[(d + DICT_USED) >> 2];
  i32[(di + DICTITER_USED) >> 2] = used;
  i32[(di + DICTITER_LEN) >> 2] = used;
  i32[(di + DICTITER_POS) >> 2] = 0;
  i32[(di + DICTITER_RESULT) >> 2] = 0;
  if (itertype === h.T.dict_itemiterator) {
    let result: Ref;
    try {
      result = tuple_pack2(h, h.None, h.None);
    } catch (e) {
      Py_DECREF(h, di);
      throw e;
    }
    h.i32[(di + DICTITER_RESULT) >> 2] = result;
  }
  gc_track(h, di);
  return di;
}

/** dict_iter: iter(d) */
export function dict_iter(h: HeapState, d: Ref): Ref {
  return dictiter_new(h, d, h.T.dict_keyiterator);
}

/** An iterator over d's keys (kind 0), values (1) or items (2): new reference */
export function dict_iter_new(h: HeapState, d: Ref, kind: 0 | 1 | 2): Ref {
  const T = h.T;
  return dictiter_new(h, d, kind === 0 ? T.dict_keyiterator : kind === 1 ? T.dict_valueiterator : T.dict_itemiterator);
}

export function dictiter_dealloc(h: HeapState, di: Ref): void {
  gc_untrack(h, di);
  const d = h.i32[(di + DICTITER_DICT) >> 2];
  const result = h.i32[(di + DICTITER_RESULT) >> 2];
  Py_XDECREF(h, d);
  Py_XDECREF(h, result);
  object_free(h, di, slots_of(h, di));
}

export function dictiter_traverse<A>(h: HeapState, di: Ref, visit: Visit<A>, arg: A): void {
  const d = h.i32[(di + DICTITER_DICT) >> 2];
  if (d !== 0) visit(h, d, arg);
  const result = h.i32[(di + DICTITER_RESULT) >> 2];
  if (result !== 0) visit(h, result, arg);
}

/** dictiter_len (__length_hint__) */
export function dictiter_len(h: HeapState, di: Ref): number {
  const i32 = h.i32;
  const d = i32[(di + DICTITER_DICT) >> 2];
  if (d !== 0 && i32[(di + DICTITER_USED) >> 2] === i32[(d + DICT_USED) >> 2]) return i32[(di + DICTITER_LEN) >> 2];
  return 0;
}

/**
 * The common step of the three iternext functions: the entry index of the next item
 * (or -1 when exhausted, after dropping the dict). Raises RuntimeError when the dict
 * changed size.
 */
function dictiter_step(h: HeapState, di: Ref): number {
  const i32 = h.i32;
  const d = i32[(di + DICTITER_DICT) >> 2];
  if (d === 0) return -1;
  if (i32[(di + DICTITER_USED) >> 2] !== i32[(d + DICT_USED) >> 2]) {
    i32[(di + DICTITER_USED) >> 2] = -1; // Make this state sticky
    throw new PyError("RuntimeError", "dictionary changed size during iteration");
  }
  let i = i32[(di + DICTITER_POS) >> 2];
  const values = i32[(d + DICT_VALUES) >> 2];
  let index: number;
  let found = true;
  if (values !== 0) {
    if (i >= i32[(d + DICT_USED) >> 2]) found = false;
    index = found ? get_index_from_order(h, values, i) : -1;
  } else {
    const keys = i32[(d + DICT_KEYS) >> 2];
    const n = i32[(keys + DK_NENTRIES) >> 2];
    const entries = dk_entries(h, keys);
    if (h.u8[keys + DK_KIND] !== DICT_KEYS_GENERAL) {
      while (i < n && i32[(entries + i * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_VALUE) >> 2] === 0) i++;
    } else {
      while (i < n && i32[(entries + i * SIZEOF_DICT_ENTRY + ENTRY_VALUE) >> 2] === 0) i++;
    }
    if (i >= n) found = false;
    index = i;
  }
  if (found && i32[(di + DICTITER_LEN) >> 2] === 0) {
    // We found an element, but did not expect it
    i32[(di + DICTITER_DICT) >> 2] = 0;
    Py_DECREF(h, d);
    throw new PyError("RuntimeError", "dictionary keys changed during iteration");
  }
  if (!found) {
    i32[(di + DICTITER_DICT) >> 2] = 0;
    Py_DECREF(h, d);
    return -1;
  }
  i32[(di + DICTITER_POS) >> 2] = i + 1;
  i32[(di + DICTITER_LEN) >> 2]--;
  return index;
}

function entry_key(h: HeapState, d: Ref, ix: number): Ref {
  const keys = h.i32[(d + DICT_KEYS) >> 2];
  const entries = dk_entries(h, keys);
  if (h.u8[keys + DK_KIND] !== DICT_KEYS_GENERAL) return h.i32[(entries + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2];
  return h.i32[(entries + ix * SIZEOF_DICT_ENTRY + ENTRY_KEY) >> 2];
}

/** dictiter_iternextkey: the next key (new reference) or 0 */
export function dictiter_iternextkey(h: HeapState, di: Ref): Ref {
  const d = h.i32[(di + DICTITER_DICT) >> 2];
  const ix = dictiter_step(h, di);
  if (ix < 0) return 0;
  const key = entry_key(h, d, ix);
  Py_INCREF(h, key);
  return key;
}

/** dictiter_iternextvalue: the next value (new reference) or 0 */
export function dictiter_iternextvalue(h: HeapState, di: Ref): Ref {
  const d = h.i32[(di + DICTITER_DICT) >> 2];
  const ix = dictiter_step(h, di);
  if (ix < 0) return 0;
  const value = dict_value_at(h, d, ix);
  Py_INCREF(h, value);
  return value;
}

/**
 * dictiter_iternextitem: the next (key, value) tuple (new reference) or 0. The result
 * tuple is recycled when nobody else holds it, as CPython does.
 */
export function dictiter_iternextitem(h: HeapState, di: Ref): Ref {
  const d = h.i32[(di + DICTITER_DICT) >> 2];
  const ix = dictiter_step(h, di);
  if (ix < 0) return 0;
  const key = entry_key(h, d, ix);
  const value = dict_value_at(h, d, ix);
  Py_INCREF(h, key);
  Py_INCREF(h, value);
  const result = h.i32[(di + DICTITER_RESULT) >> 2];
  if (h.i32[result >> 2] === 1) {
    const i32 = h.i32;
    const oldkey = i32[(result + TUPLE_ITEMS) >> 2];
    const oldvalue = i32[(result + TUPLE_ITEMS + 4) >> 2];
    i32[(result + TUPLE_ITEMS) >> 2] = key;
    i32[(result + TUPLE_ITEMS + 4) >> 2] = value;
    i32[result >> 2]++;
    Py_DECREF(h, oldkey);
    Py_DECREF(h, oldvalue);
    // bpo-42536: the GC may have untracked this result tuple; it is recycled, so track it again
    if (!gc_is_tracked(h, result)) gc_track(h, result);
    return result;
  }
  const res = tuple_pack2(h, key, value);
  Py_DECREF(h, key);
  Py_DECREF(h, value);
  return res;
}

// ---- managed dicts of instances (3.11: shared keys + inline values) -----------------------------

/**
 * _PyDict_NewKeysForClass: the shared keys object of a class (HT_CACHED_KEYS), kind
 * SPLIT, room for SHARED_KEYS_MAX_SIZE names. Owned by the class: release it with
 * dictkeys_decref when the class dies.
 */
export function dict_new_keys_for_class(h: HeapState): number {
  const keys = new_keys_object(h, NEXT_LOG2_SHARED_KEYS_MAX_SIZE, true);
  // Set to max size+1 as it will shrink by one before each new object
  h.i32[(keys + DK_USABLE) >> 2] = SHARED_KEYS_MAX_SIZE;
  h.u8[keys + DK_KIND] = DICT_KEYS_SPLIT;
  return keys;
}

function cached_keys_of(h: HeapState, obj: Ref): number {
  const i32 = h.i32;
  return i32[(i32[(obj + OB_TYPE) >> 2] + HT_CACHED_KEYS) >> 2];
}

/**
 * init_inline_values: give a new instance its PyDictValues block (all NULL, empty order),
 * stored at obj + MANAGED_VALUES. Each new instance shrinks the shared keys' room by one
 * (while more than one is left), as 3.11 does.
 */
export function init_inline_values(h: HeapState, obj: Ref, cachedKeys: number): void {
  const i32 = h.i32;
  if (i32[(cachedKeys + DK_USABLE) >> 2] > 1) i32[(cachedKeys + DK_USABLE) >> 2]--;
  const size = shared_keys_usable_size(h, cachedKeys);
  const values = new_values(h, size);
  h.u8[values + DV_ORDER_SIZE] = 0;
  const v32 = h.i32;
  for (let i = values >> 2, end = i + size; i < end; i++) v32[i] = 0;
  v32[(obj + MANAGED_VALUES) >> 2] = values;
}

/**
 * The index of `name` (an exact str) in the shared keys `keys`, or DKIX_EMPTY: a
 * lookup only (the attribute index cache of attr.ts is filled from it).
 */
export function shared_keys_index(h: HeapState, keys: number, name: Ref): number {
  let hash = unicode_get_hash(h, name);
  if (hash === -1) hash = unicode_hash(h, name);
  return unicodekeys_lookup_unicode(h, keys, name, hash);
}

/**
 * Store `value` (borrowed, not 0) at index `ix` of an instance's inline values (the
 * value half of _PyObject_StoreInstanceAttribute once the key's index is known).
 */
export function instance_values_store(h: HeapState, values: number, ix: number, value: Ref): void {
  const i32 = h.i32;
  const old_value = i32[(values >> 2) + ix];
  i32[value >> 2]++;
  i32[(values >> 2) + ix] = value;
  if (old_value === 0) values_add_to_order(h, values, ix);
  else Py_DECREF(h, old_value);
}

/** insert_into_dictkeys: add `name` to shared keys if there is room; its index or DKIX_EMPTY */
function insert_into_dictkeys(h: HeapState, keys: number, name: Ref): number {
  let hash = unicode_get_hash(h, name);
  if (hash === -1) hash = unicode_hash(h, name);
  let ix = unicodekeys_lookup_unicode(h, keys, name, hash);
  if (ix === DKIX_EMPTY) {
    const i32 = h.i32;
    if (i32[(keys + DK_USABLE) >> 2] <= 0) return DKIX_EMPTY;
    i32[name >> 2]++;
    // Insert into a new slot.
    i32[(keys + DK_VERSION) >> 2] = 0;
    const hashpos = find_empty_slot(h, keys, hash);
    ix = i32[(keys + DK_NENTRIES) >> 2];
    dictkeys_set_index(h, keys, hashpos, ix);
    i32[(dk_entries(h, keys) + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2] = name;
    i32[(keys + DK_USABLE) >> 2]--;
    i32[(keys + DK_NENTRIES) >> 2]++;
  }
  return ix;
}

/**
 * make_dict_from_instance_attributes: a split dict over the shared keys that takes over
 * `values`; tracked if any value may be.
 */
function make_dict_from_instance_attributes(h: HeapState, keys: number, values: number): Ref {
  dictkeys_incref(h, keys);
  let used = 0;
  let track = false;
  const size = shared_keys_usable_size(h, keys);
  for (let i = 0; i < size; i++) {
    const val = h.i32[(values >> 2) + i];
    if (val !== 0) {
      used++;
      if (!track) track = may_be_tracked(h, val);
    }
  }
  const res = new_dict(h, keys, values, used, false);
  if (track) gc_track(h, res);
  return res;
}

/**
 * The instance attribute `name` (an exact str) from the inline values or the
 * materialised __dict__: borrowed, or 0 when absent (_PyObject_GetInstanceAttribute /
 * the dict part of _PyObject_GenericGetAttrWithDict).
 */
export function instance_getattr_dict(h: HeapState, obj: Ref, name: Ref): Ref {
  const i32 = h.i32;
  const values = i32[(obj + MANAGED_VALUES) >> 2];
  if (values !== 0) {
    const ix = _PyDictKeys_StringLookup(h, cached_keys_of(h, obj), name);
    if (ix < 0) return 0;
    return h.i32[(values >> 2) + ix];
  }
  const dict = i32[(obj + MANAGED_DICT) >> 2];
  if (dict === 0) return 0;
  Py_INCREF(h, dict);
  try {
    return dict_getitem(h, dict, name);
  } finally {
    Py_DECREF(h, dict);
  }
}

/**
 * Set (value != 0) or delete (value == 0) instance attribute `name` (an exact str):
 * _PyObject_StoreInstanceAttribute while the object has inline values (growing the
 * shared keys while they may, otherwise materialising a dict), else the managed
 * __dict__ (_PyObjectDict_SetItem, which creates a split dict over `cachedKeys`).
 * Returns false when deleting an attribute that does not exist.
 */
export function instance_setattr_dict(h: HeapState, obj: Ref, cachedKeys: number, name: Ref, value: Ref): boolean {
  const values = h.i32[(obj + MANAGED_VALUES) >> 2];
  if (values !== 0) {
    const keys = cachedKeys;
    let ix = DKIX_EMPTY;
    if (is_exact_str(h, name)) ix = insert_into_dictkeys(h, keys, name);
    if (ix === DKIX_EMPTY) {
      const dict = make_dict_from_instance_attributes(h, keys, values);
      h.i32[(obj + MANAGED_VALUES) >> 2] = 0;
      h.i32[(obj + MANAGED_DICT) >> 2] = dict;
      if (value === 0) return dict_discard(h, dict, name);
      dict_setitem(h, dict, name, value);
      return true;
    }
    const i32 = h.i32;
    const old_value = i32[(values >> 2) + ix];
    if (value !== 0) i32[value >> 2]++;
    i32[(values >> 2) + ix] = value;
    if (old_value === 0) {
      if (value === 0) return false; // AttributeError
      values_add_to_order(h, values, ix);
    } else {
      if (value === 0) delete_index_from_values(h, values, ix);
      Py_DECREF(h, old_value);
    }
    return true;
  }
  let dict = h.i32[(obj + MANAGED_DICT) >> 2];
  if (dict === 0) {
    if (cachedKeys !== 0) {
      // new_dict_with_shared_keys
      dictkeys_incref(h, cachedKeys);
      const size = shared_keys_usable_size(h, cachedKeys);
      let nv: number;
      try {
        nv = new_values(h, size);
      } catch (e) {
        dictkeys_decref(h, cachedKeys);
        throw e;
      }
      h.u8[nv + DV_ORDER_SIZE] = 0;
      const v32 = h.i32;
      for (let i = nv >> 2, end = i + size; i < end; i++) v32[i] = 0;
      dict = new_dict(h, cachedKeys, nv, 0, true);
    } else {
      dict = dict_new(h);
    }
    h.i32[(obj + MANAGED_DICT) >> 2] = dict;
  }
  Py_INCREF(h, dict);
  try {
    if (value === 0) return dict_discard(h, dict, name);
    dict_setitem(h, dict, name, value);
    return true;
  } finally {
    Py_DECREF(h, dict);
  }
}

/**
 * obj.__dict__ for a managed-dict instance (PyObject_GenericGetDict): materialises the
 * inline values into a split dict stored at MANAGED_DICT. New reference.
 */
export function instance_get_dict(h: HeapState, obj: Ref): Ref {
  const i32 = h.i32;
  const values = i32[(obj + MANAGED_VALUES) >> 2];
  let dict: Ref;
  if (values !== 0) {
    dict = make_dict_from_instance_attributes(h, cached_keys_of(h, obj), values);
    h.i32[(obj + MANAGED_DICT) >> 2] = dict;
    h.i32[(obj + MANAGED_VALUES) >> 2] = 0;
  } else {
    dict = i32[(obj + MANAGED_DICT) >> 2];
    if (dict === 0) {
      dict = dict_new(h);
      h.i32[(obj + MANAGED_DICT) >> 2] = dict;
    }
  }
  Py_INCREF(h, dict);
  return dict;
}

/**
 * subtype_traverse's managed-dict part: the inline values in entry order
 * (_PyObject_VisitInstanceAttributes), then the materialised dict.
 */
export function instance_attrs_traverse<A>(h: HeapState, obj: Ref, visit: Visit<A>, arg: A): void {
  const values = h.i32[(obj + MANAGED_VALUES) >> 2];
  if (values !== 0) {
    const keys = cached_keys_of(h, obj);
    const n = h.i32[(keys + DK_NENTRIES) >> 2];
    for (let i = 0; i < n; i++) {
      const v = h.i32[(values >> 2) + i];
      if (v !== 0) visit(h, v, arg);
    }
  }
  const dict = h.i32[(obj + MANAGED_DICT) >> 2];
  if (dict !== 0) visit(h, dict, arg);
}

/**
 * subtype_clear's managed-dict part: Py_CLEAR every inline value
 * (_PyObject_ClearInstanceAttributes; the values block stays), then Py_CLEAR the dict.
 */
export function instance_attrs_clear(h: HeapState, obj: Ref): void {
  const values = h.i32[(obj + MANAGED_VALUES) >> 2];
  if (values !== 0) {
    const keys = cached_keys_of(h, obj);
    for (let i = 0; i < h.i32[(keys + DK_NENTRIES) >> 2]; i++) {
      const slot = (values >> 2) + i;
      const v = h.i32[slot];
      if (v !== 0) {
        h.i32[slot] = 0;
        Py_DECREF(h, v);
      }
    }
  }
  const dict = h.i32[(obj + MANAGED_DICT) >> 2];
  if (dict !== 0) {
    h.i32[(obj + MANAGED_DICT) >> 2] = 0;
    Py_DECREF(h, dict);
  }
}

/**
 * subtype_dealloc's managed-dict part: drop the dict if there is one, else release the
 * inline values and free their block (_PyObject_FreeInstanceAttributes).
 */
export function instance_attrs_free(h: HeapState, obj: Ref): void {
  const dict = h.i32[(obj + MANAGED_DICT) >> 2];
  if (dict !== 0) {
    h.i32[(obj + MANAGED_DICT) >> 2] = 0;
    Py_DECREF(h, dict);
    return;
  }
  let i32 = h.i32;
  const values = i32[(obj + MANAGED_VALUES) >> 2];
  if (values === 0) return;
  const keys = cached_keys_of(h, obj);
  // Py_XDECREF each value, the views re-read only after a deallocation (dk_nentries
  // is read at each step, as the C loop does)
  for (let i = 0; i < i32[(keys + DK_NENTRIES) >> 2]; i++) {
    const v = i32[(values >> 2) + i];
    if (v !== 0) {
      const rc = i32[v >> 2] - 1;
      i32[v >> 2] = rc;
      if (rc === 0) {
        _Py_Dealloc(h, v);
        i32 = h.i32;
      }
    }
  }
  i32[(obj + MANAGED_VALUES) >> 2] = 0;
  free_values(h, values);
}

/**
 * The names (borrowed str Refs) of an instance's attributes in insertion order, as
 * vars(obj) would list them; the keys of the materialised dict if there is one.
 */
export function instance_attr_names(h: HeapState, obj: Ref): Ref[] {
  const out: Ref[] = [];
  const values = h.i32[(obj + MANAGED_VALUES) >> 2];
  if (values !== 0) {
    const keys = cached_keys_of(h, obj);
    const entries = dk_entries(h, keys);
    const n = h.u8[values + DV_ORDER_SIZE];
    for (let i = 0; i < n; i++) {
      const ix = get_index_from_order(h, values, i);
      out.push(h.i32[(entries + ix * SIZEOF_DICT_UNICODE_ENTRY + UENTRY_KEY) >> 2]);
    }
    return out;
  }
  const dict = h.i32[(obj + MANAGED_DICT) >> 2];
  if (dict !== 0) {
    for (let p = dict_next(h, dict, 0); p !== -1; p = dict_next(h, dict, p)) out.push(dict_pos_key(h, dict, p));
  }
  return out;
}

// ---- types ----------------------------------------------------------------------------------

function unhashable(h: HeapState, o: Ref): number {
  throw typeError(`unhashable type: '${slots_of(h, o).name}'`);
}

function iter_self(h: HeapState, o: Ref): Ref {
  Py_INCREF(h, o);
  return o;
}

/**
 * Create dict and its iterator types (h.T.dict, h.T.dict_keyiterator,
 * h.T.dict_valueiterator, h.T.dict_itemiterator) and this heap's Py_EMPTY_KEYS.
 * Called by the bootstrap once `type` and `object` exist.
 */
export function dict_init_types(h: HeapState): void {
  // Py_EMPTY_KEYS: dk_log2_size 0, unicode kind, no usable entries, all indices EMPTY
  const ek = mem_malloc(h, SIZEOF_EMPTY_KEYS);
  const i32 = h.i32;
  i32[(ek + DK_REFCNT) >> 2] = IMMORTAL_REFCNT;
  h.u8[ek + DK_LOG2_SIZE] = 0;
  h.u8[ek + DK_LOG2_INDEX_BYTES] = 0;
  h.u8[ek + DK_KIND] = DICT_KEYS_UNICODE;
  h.u8[ek + DK_KIND + 1] = 0;
  i32[(ek + DK_VERSION) >> 2] = 1;
  i32[(ek + DK_USABLE) >> 2] = 0;
  i32[(ek + DK_NENTRIES) >> 2] = 0;
  h.u8.fill(0xff, ek + DK_INDICES, ek + SIZEOF_EMPTY_KEYS);
  h.dictEmptyKeys = ek;
  h.dictVersion = new Int32Array(2);
  h.dictIterKey = 0;
  h.dictIterValue = 0;
  h.dictIterHash = 0;

  const T = h.T;
  T.dict = new_type(h, T.type, {
    name: "dict",
    kind: K_DICT,
    base: T.object,
    basicsize: SIZEOF_DICT,
    flags: Py_TPFLAGS_BASETYPE | Py_TPFLAGS_DICT_SUBCLASS | Py_TPFLAGS_MAPPING,
    isGC: true,
    tp_dealloc: dict_dealloc,
    tp_traverse: dict_traverse,
    tp_clear: dict_clear,
    proto: {
      tp_hash: unhashable,
      tp_richcompare: dict_richcompare,
      mp_length: dict_len,
      mp_subscript: dict_subscript,
      mp_ass_subscript: (hh, o, key, value) => (value === 0 ? dict_delitem(hh, o, key) : dict_setitem(hh, o, key, value)),
      sq_contains: dict_contains,
      tp_iter: dict_iter,
      nb_bool: (hh, o) => dict_len(hh, o) !== 0,
    },
  });
  const iterSpec = (name: string, next: (hh: HeapState, o: Ref) => Ref) =>
    new_type(h, T.type, {
      name,
      kind: K_ITER,
      base: T.object,
      basicsize: SIZEOF_DICTITER,
      isGC: true,
      tp_dealloc: dictiter_dealloc,
      tp_traverse: dictiter_traverse,
      proto: { tp_iter: iter_self, tp_iternext: next },
    });
  T.dict_keyiterator = iterSpec("dict_keyiterator", dictiter_iternextkey);
  T.dict_valueiterator = iterSpec("dict_valueiterator", dictiter_iternextvalue);
  T.dict_itemiterator = iterSpec("dict_itemiterator", dictiter_iternextitem);
  // every builtin type the hot paths compare with exists from here on
  cache_type_refs(h);
}

/** PyDict_CheckExact */
export function is_exact_dict(h: HeapState, o: Ref): boolean {
  return h.i32[(o + OB_TYPE) >> 2] === h.dictType;
}

/** is `t` dict or a subclass of it */
export function is_dict_type(h: HeapState, t: TypeSlots): boolean {
  return is_subtype(t, h.T.dict);
}
