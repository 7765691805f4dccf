// === Object layout in linear memory (layer 3) ===
//
// Every byte offset of every Python object this heap keeps in linear memory is
// written here and nowhere else. The structs are CPython 3.11's as a 32-bit
// build (wasm32, e.g. Pyodide 0.25 = CPython 3.11.3) lays them out: 4-byte
// pointers, Py_ssize_t and Py_hash_t, so `sys.getsizeof` reports what a wasm32
// CPython reports (checked against Pyodide in test/heap/sizes.test.ts).
//
// A `Ref` is the address of the object's `ob_refcnt` (a `PyObject *`). Objects are
// 8-byte aligned (pymalloc's ALIGNMENT), so `addr >> 2` indexes an Int32Array and
// `addr >> 3` a Float64Array for 8-aligned fields.
//
//   GC-tracked object, with managed dict (3.11 heap-type instances):
//   ╒═══════════════ pre-header (only with Py_TPFLAGS_MANAGED_DICT) ═══╕
//   │ values  (PyDictValues *)                                          │ -16
//   │ dict    (PyDictObject *)                                          │ -12
//   ╞═══════════════ PyGC_Head (only for Py_TPFLAGS_HAVE_GC) ══════════╡
//   │ _gc_next  next PyGC_Head; 0 = untracked; bit 0 = UNREACHABLE      │  -8
//   │ _gc_prev  prev PyGC_Head | COLLECTING<<1 | FINALIZED; gc_refs<<2  │  -4
//   ╞>ref══════════════════ PyObject ══════════════════════════════════╡
//   │ ob_refcnt                                                         │   0
//   │ ob_type   (PyTypeObject *)                                        │   4
//   │ ... payload of the type                                           │   8
//   ╘═══════════════════════════════════════════════════════════════════╛
//
// Invariants:
//   - a live object has ob_refcnt > 0 and ob_type != 0; deallocation writes
//     ob_type = 0 before the block is freed, so a stale handle is caught cheaply
//     until the block is reused;
//   - GC links point at PyGC_Head addresses (ref - 8), as in CPython.

/** 4-byte words of a pointer, Py_ssize_t, Py_hash_t. */
export const SIZEOF_PTR = 4;

// ---- PyObject / PyVarObject -------------------------------------------------
export const OB_REFCNT = 0;
export const OB_TYPE = 4;
export const OB_SIZE = 8; // PyVarObject only
export const SIZEOF_PYOBJECT = 8;
export const SIZEOF_PYVAROBJECT = 12;

// ---- PyGC_Head (before the object) -----------------------------------------
export const SIZEOF_GC_HEAD = 8;
export const GC_NEXT = 0; // relative to the PyGC_Head address
export const GC_PREV = 4;
/** relative to the object: where its PyGC_Head starts */
export const GC_HEAD_OFFSET = -8;
// _gc_prev low bits (pycore_gc.h)
export const PREV_MASK_FINALIZED = 1;
export const PREV_MASK_COLLECTING = 2;
export const PREV_SHIFT = 2;
export const PREV_MASK = ~3;
// _gc_next low bit during a collection
export const NEXT_MASK_UNREACHABLE = 1;

// ---- managed dict pre-header (3.11: _PyObject_ValuesPointer = obj - 4 words) --
export const SIZEOF_MANAGED_PREHEADER = 8;
export const MANAGED_DICT = -12; // PyDictObject * (materialised __dict__) or 0
export const MANAGED_VALUES = -16; // PyDictValues * (inline values) or 0

// ---- int: PyLongObject ------------------------------------------------------
// ob_size holds the signed number of 30-bit digits; digits follow, least significant first.
export const LONG_DIGITS = 12;
export const PyLong_SHIFT = 30;
export const PyLong_BASE = 1 << 30;
export const PyLong_MASK = PyLong_BASE - 1;

// ---- float: PyFloatObject ---------------------------------------------------
export const FLOAT_FVAL = 8; // f64, 8-aligned
export const SIZEOF_FLOAT = 16;

// ---- str: PyASCIIObject / PyCompactUnicodeObject / PyUnicodeObject (PEP 393, 3.11) --
// Exact str objects are compact: the characters follow the struct (ASCII after
// PyASCIIObject, anything else after PyCompactUnicodeObject). Instances of str
// subclasses are PyUnicodeObject (tp_basicsize of str = 40) with STATE_COMPACT clear:
// the characters live in a separate block at STR_DATA_ANY, so a subclass's fields
// (slots, weakref list) after the 40 bytes never overlap them (unicode_subtype_new).
export const STR_LENGTH = 8;
export const STR_HASH = 12; // -1 = not computed yet
export const STR_STATE = 16; // bitfield, see STATE_*
export const STR_WSTR = 20; // 0, or (non-compact, 4-byte kind) the data block, shared as wasm32's wchar_t
export const SIZEOF_ASCII_OBJECT = 24; // compact ASCII data starts here
export const STR_UTF8_LENGTH = 24; // compact non-ASCII and non-compact only
export const STR_UTF8 = 28; // 0, or (non-compact ASCII) the data block, shared
export const STR_WSTR_LENGTH = 32;
export const SIZEOF_COMPACT_UNICODE_OBJECT = 36; // compact non-ASCII data starts here
export const STR_DATA_ANY = 36; // non-compact only: the characters' block (owned)
export const SIZEOF_UNICODE_OBJECT = 40; // PyUnicodeObject: str's tp_basicsize
// state bits: interned:2, kind:3, compact:1, ascii:1, ready:1
export const STATE_INTERNED_MASK = 3;
export const SSTATE_NOT_INTERNED = 0;
export const SSTATE_INTERNED_MORTAL = 1;
export const STATE_KIND_SHIFT = 2;
export const STATE_KIND_MASK = 7 << 2;
export const STATE_COMPACT = 1 << 5;
export const STATE_ASCII = 1 << 6;
export const STATE_READY = 1 << 7;

// ---- bytes: PyBytesObject ---------------------------------------------------
export const BYTES_SHASH = 12;
export const BYTES_SVAL = 16; // data, then a NUL
export const SIZEOF_BYTES_HEAD = 16;

// ---- tuple: PyTupleObject ---------------------------------------------------
export const TUPLE_ITEMS = 12;
export const SIZEOF_TUPLE_HEAD = 12;

// ---- list: PyListObject -----------------------------------------------------
export const LIST_ITEMS = 12; // PyObject ** (separate block), 0 when allocated == 0
export const LIST_ALLOCATED = 16;
export const SIZEOF_LIST = 20;

// ---- dict: PyDictObject -----------------------------------------------------
export const DICT_USED = 8;
export const DICT_VERSION = 16; // u64, 8-aligned (two words)
export const DICT_KEYS = 24; // PyDictKeysObject *
export const DICT_VALUES = 28; // PyDictValues * (split table) or 0
export const SIZEOF_DICT = 32;

// PyDictKeysObject (not a PyObject)
export const DK_REFCNT = 0;
export const DK_LOG2_SIZE = 4; // u8
export const DK_LOG2_INDEX_BYTES = 5; // u8
export const DK_KIND = 6; // u8: DICT_KEYS_GENERAL 0, UNICODE 1, SPLIT 2
export const DK_VERSION = 8; // u32
export const DK_USABLE = 12;
export const DK_NENTRIES = 16;
export const DK_INDICES = 20;
export const SIZEOF_DICTKEYS_HEAD = 20;
export const DICT_KEYS_GENERAL = 0;
export const DICT_KEYS_UNICODE = 1;
export const DICT_KEYS_SPLIT = 2;
// PyDictKeyEntry {me_hash, me_key, me_value} / PyDictUnicodeEntry {me_key, me_value}
export const ENTRY_HASH = 0;
export const ENTRY_KEY = 4;
export const ENTRY_VALUE = 8;
export const SIZEOF_DICT_ENTRY = 12;
export const UENTRY_KEY = 0;
export const UENTRY_VALUE = 4;
export const SIZEOF_DICT_UNICODE_ENTRY = 8;
/** high word of ma_version_tag (the low word is at DICT_VERSION) */
export const DICT_VERSION_HI = 20;
/** Py_EMPTY_KEYS: the head and PyDict_MINSIZE one-byte indices (dk_log2_size 0) */
export const SIZEOF_EMPTY_KEYS = 28;
// PyDictValues: `values` points at values[0]; the bytes before it are the prefix
// (pycore_dict.h 3.11): [-1] prefix size, [-2] number of values in the order,
// [-3 - i] the index of the i-th value in insertion order.
export const DV_PREFIX_SIZE = -1;
export const DV_ORDER_SIZE = -2;
export const DV_ORDER = -3; // order[i] at values + DV_ORDER - i
// dictiterobject (dict_keyiterator, dict_valueiterator, dict_itemiterator)
export const DICTITER_DICT = 8; // PyDictObject * or 0 once exhausted
export const DICTITER_USED = 12;
export const DICTITER_POS = 16;
export const DICTITER_RESULT = 20; // reusable (key, value) tuple of item iterators, or 0
export const DICTITER_LEN = 24;
export const SIZEOF_DICTITER = 28;

// ---- set / frozenset: PySetObject -------------------------------------------
export const SET_FILL = 8;
export const SET_USED = 12;
export const SET_MASK = 16;
export const SET_TABLE = 20; // setentry * (smalltable or a separate block)
export const SET_HASH = 24; // frozenset hash cache, -1
export const SET_FINGER = 28;
export const SET_SMALLTABLE = 32; // PySet_MINSIZE entries of {key, hash}
export const PySet_MINSIZE = 8;
export const SETENTRY_KEY = 0;
export const SETENTRY_HASH = 4;
export const SIZEOF_SETENTRY = 8;
export const SET_WEAKREFLIST = 96;
export const SIZEOF_SET = 100;
// setiterobject (set_iterator)
export const SETITER_SET = 8; // PySetObject * or 0 once exhausted
export const SETITER_USED = 12;
export const SETITER_POS = 16;
export const SETITER_LEN = 20;
export const SIZEOF_SETITER = 24;

// ---- type objects (our PyHeapTypeObject subset) ----------------------------
// Builtin types are allocated on the heap at start-up (never freed); classes
// made by defineClass are ordinary GC-tracked heap objects.
export const TP_NAME = 8; // str Ref (__name__)
export const TP_BASICSIZE = 12;
export const TP_ITEMSIZE = 16;
export const TP_FLAGS = 20; // CPython's Py_TPFLAGS_* bits
export const TP_BASE = 24; // type Ref or 0
export const TP_DICT = 28; // dict Ref
export const TP_MRO = 32; // tuple Ref
export const TP_BASES = 36; // tuple Ref
export const TP_WEAKLISTOFFSET = 40; // 0 = instances are not weakly referenceable
export const TP_DICTOFFSET = 44; // -1 = managed dict, 0 = none, >0 = dict slot offset, -4 = slot after the items (int/tuple/bytes subclasses)
export const TP_ID = 48; // index of the type's JS slot table (TypeSlots) in HeapState.types
export const TP_KIND = 52; // layout family (Kind), for switch dispatch on hot paths
export const TP_XFLAGS = 56; // this port's extra flags, see XF_*
export const HT_QUALNAME = 60; // str Ref
export const HT_SLOTS = 64; // tuple Ref of __slots__ names, or 0
export const HT_CACHED_KEYS = 68; // PyDictKeysObject * shared by instances, or 0
export const TP_WEAKLIST = 72; // weakrefs to the type itself
export const SIZEOF_TYPE = 76;

// XF_* flags: facts about a type the collector and deallocator read from memory
export const XF_FINALIZE = 1; // tp_finalize (Python __del__, PEP 442)
export const XF_LEGACY_DEL = 2; // tp_del (pre-PEP-442 finalizer)
export const XF_BUILTIN = 4; // a builtin type allocated at start-up

// CPython's Py_TPFLAGS_* (object.h, 3.11)
export const Py_TPFLAGS_MANAGED_DICT = 1 << 4;
export const Py_TPFLAGS_SEQUENCE = 1 << 5;
export const Py_TPFLAGS_MAPPING = 1 << 6;
export const Py_TPFLAGS_IMMUTABLETYPE = 1 << 8;
export const Py_TPFLAGS_HEAPTYPE = 1 << 9;
export const Py_TPFLAGS_BASETYPE = 1 << 10;
export const Py_TPFLAGS_READY = 1 << 12;
export const Py_TPFLAGS_HAVE_GC = 1 << 14;
export const Py_TPFLAGS_LONG_SUBCLASS = 1 << 24;
export const Py_TPFLAGS_LIST_SUBCLASS = 1 << 25;
export const Py_TPFLAGS_TUPLE_SUBCLASS = 1 << 26;
export const Py_TPFLAGS_BYTES_SUBCLASS = 1 << 27;
export const Py_TPFLAGS_UNICODE_SUBCLASS = 1 << 28;
export const Py_TPFLAGS_DICT_SUBCLASS = 1 << 29;
export const Py_TPFLAGS_TYPE_SUBCLASS = 1 << 31;

// ---- instances of classes ----------------------------------------------------
// A class without __slots__ whose base is `object`: PyObject + weaklist (12 bytes),
// attributes in a PyDictValues block hung off the pre-header, as 3.11 does.
export const INST_WEAKLIST = 8;
export const SIZEOF_PLAIN_INSTANCE = 12;

// ---- function objects (a JS function wrapped on the heap) ------------------
export const FUNC_ID = 8; // index into HeapState.jsFunctions
export const FUNC_NAME = 12; // str Ref
export const FUNC_QUALNAME = 16; // str Ref
export const FUNC_DICT = 20; // dict Ref or 0
export const FUNC_WEAKLIST = 24;
export const FUNC_MODULE = 28; // str Ref or 0
export const SIZEOF_FUNCTION = 32;

// ---- bound methods: PyMethodObject (Include/cpython/classobject.h, 3.11) ----
export const METH_FUNC = 8;
export const METH_SELF = 12;
export const METH_WEAKLIST = 16;
export const METH_VECTORCALL = 20; // method_vectorcall in CPython; always 0 here
export const SIZEOF_METHOD = 24;

// ---- builtin bound methods (list.append bound to a list, ...) ---------------
export const BMETH_SELF = 8; // Ref
export const BMETH_ID = 12; // index of the native method in HeapState.natives
export const SIZEOF_BUILTIN_METHOD = 16;

// ---- descriptors in class dicts (__dict__/__weakref__ getsets, slot members) --
export const DESCR_TYPE = 8; // d_type: owning type Ref
export const DESCR_NAME = 12; // str Ref
export const DESCR_OFFSET = 16; // member offset for slot members; 0 for getsets
export const DESCR_WHICH = 20; // descriptor kind, see heap/descr.ts
export const SIZEOF_DESCR = 24;

// ---- mappingproxy: a read-only view of a mapping (a class's __dict__) ---------
export const MP_MAPPING = 8; // the mapping (owned)
export const SIZEOF_MAPPINGPROXY = 12;

// ---- sequence iterators: listiterobject / tupleiterobject / unicodeiterobject ----
export const ITER_INDEX = 8;
export const ITER_SEQ = 12; // the sequence (owned), 0 once exhausted
export const SIZEOF_SEQITER = 16;

// ---- weak references: PyWeakReference (Include/cpython/weakrefobject.h, 3.11) ----
// ref, proxy and callable proxy share this struct; 32 bytes on wasm32 as in Pyodide.
export const WR_OBJECT = 8; // the referent (borrowed), or None once cleared
export const WR_CALLBACK = 12; // owned callback, or 0
export const WR_HASH = 16; // cached hash, -1 until first computed
export const WR_PREV = 20; // previous weakref in the referent's list, or 0
export const WR_NEXT = 24; // next weakref in the referent's list, or 0
export const WR_VECTORCALL = 28; // weakref_vectorcall in CPython; always 0 here
export const SIZEOF_WEAKREF = 32;
// weakref.KeyedRef (`__slots__ = "key",` after the ref struct)
export const KEYEDREF_KEY = 32;
export const SIZEOF_KEYEDREF = 36;
// weakref.WeakMethod (`__slots__ = "_func_ref", "_meth_type", "_alive", "__weakref__"`;
// type_new lays slots out in sorted order, __weakref__ last)
export const WM_ALIVE = 32; // a bool Ref (owned)
export const WM_FUNC_REF = 36;
export const WM_METH_TYPE = 40;
export const WM_WEAKLIST = 44;
export const SIZEOF_WEAKMETHOD = 48;
// weakref.finalize (`__slots__ = ()`: just the object head) and finalize._Info
export const SIZEOF_FINALIZE = 8;
// (_Info's slots in sorted order: args, atexit, func, index, kwargs, weakref)
export const FINFO_ARGS = 8; // tuple
export const FINFO_ATEXIT = 12; // bool
export const FINFO_FUNC = 16;
export const FINFO_INDEX = 20; // int
export const FINFO_KWARGS = 24; // dict or None
export const FINFO_WEAKREF = 28;
export const SIZEOF_FINFO = 32;
// WeakSet / WeakKeyDictionary / WeakValueDictionary: the instance attributes of
// _weakrefset.py / weakref.py as fixed fields
export const WC_DATA = 8; // set of refs, or dict
export const WC_REMOVE = 12; // the `_remove` / `remove` function
export const WC_PENDING = 16; // list: _pending_removals
export const WC_ITERATING = 20; // set: _iterating (the active _IterationGuards)
export const WC_WEAKLIST = 24;
export const WC_DIRTY_LEN = 28; // WeakKeyDictionary._dirty_len (0/1, not an object)
export const SIZEOF_WEAKCONTAINER = 32;
// _weakrefset._IterationGuard
export const GUARD_WEAKCONTAINER = 8; // ref to the container (owned)
export const GUARD_WEAKLIST = 12;
export const SIZEOF_GUARD = 16;
// the generators of the weak containers (__iter__, keys, values, items, ...)
export const WGEN_CONTAINER = 8; // `self` (owned), 0 once closed
export const WGEN_GUARD = 12; // the entered _IterationGuard (owned) or 0
export const WGEN_ITER = 16; // iterator over `data` (owned) or 0
export const WGEN_LOCAL1 = 20; // frame locals kept alive between steps (owned or 0)
export const WGEN_LOCAL2 = 24;
export const WGEN_LOCAL3 = 28;
export const WGEN_STATE = 32; // 0 created, 1 suspended, 2 finished
export const WGEN_WHAT = 36; // which generator function (see src/weakref/containers.ts)
export const WGEN_WEAKLIST = 40;
export const SIZEOF_WGEN = 44;
