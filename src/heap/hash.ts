// === Hash functions of a 32-bit CPython 3.11 (layer 3) ===
//
// Ports, from CPython 3.11 Python/pyhash.c and Include/pyhash.h, for
// SIZEOF_PY_HASH_T == 4 (what a wasm32 build such as Pyodide uses):
//   fnv               the string/bytes hash of builds without 64-bit SipHash
//                     (sys.hash_info.algorithm == 'fnv'), with the hash secret of
//                     PYTHONHASHSEED=0 (prefix = suffix = 0): deterministic
//   _Py_HashDouble    numeric hash, _PyHASH_BITS 31, modulus 2**31 - 1
//   _Py_HashPointer   identity hash: the address rotated right by 4 bits
// Results are int32 Py_hash_t values and never -1.

export const PyHASH_BITS = 31;
export const PyHASH_MODULUS = 0x7fffffff; // 2**31 - 1
export const PyHASH_INF = 314159;
export const PyHASH_MULTIPLIER = 1000003;

/**
 * fnv over `len` bytes of `u8` at `p` (the PEP 393 data of a str, or a bytes
 * payload). Blocks are read little-endian, 4 bytes at a time, as Py_uhash_t.
 */
export function fnv(u8: Uint8Array, p: number, len: number): number {
  if (len === 0) return 0; // _Py_HashBytes
  let remainder = len % 4;
  if (remainder === 0) remainder = 4;
  let blocks = (len - remainder) >> 2;
  let x = 0 ^ (u8[p] << 7); // prefix 0
  while (blocks-- > 0) {
    const block = u8[p] | (u8[p + 1] << 8) | (u8[p + 2] << 16) | (u8[p + 3] << 24);
    x = Math.imul(PyHASH_MULTIPLIER, x) ^ block;
    p += 4;
  }
  for (; remainder > 0; remainder--) x = Math.imul(PyHASH_MULTIPLIER, x) ^ u8[p++];
  x ^= len;
  x ^= 0; // suffix 0
  x |= 0;
  return x === -1 ? -2 : x;
}

/** _Py_HashPointer: rotate the address right by 4 bits (32-bit). */
export function hash_pointer(p: number): number {
  const x = ((p >>> 4) | (p << 28)) | 0;
  return x === -1 ? -2 : x;
}

/**
 * _Py_HashDouble (NaN hashes by identity, hence `identity`). The loop is CPython's,
 * with Py_uhash_t arithmetic done on uint32 values.
 */
export function hash_double(v: number, identity: number): number {
  if (!Number.isFinite(v)) {
    if (Number.isNaN(v)) return hash_pointer(identity);
    return v > 0 ? PyHASH_INF : -PyHASH_INF;
  }
  // integral values inside the modulus hash to themselves, as the loop would give
  // (`| 0` turns -0.0 into the int 0: hash(-0.0) == 0)
  if (Number.isInteger(v) && v > -PyHASH_MODULUS && v < PyHASH_MODULUS) return v === -1 ? -2 : v | 0;
  // m, e = frexp(v)
  let m = Math.abs(v);
  let e = 0;
  if (m !== 0) {
    e = Math.floor(Math.log2(m)) + 1;
    // in two steps: a single 2 ** e overflows to Infinity near the top of the range
    // (Math.log2(DBL_MAX) rounds to 1024, so e reaches 1025)
    const e1 = e >> 1;
    m = m / 2 ** (e - e1) / 2 ** e1;
    if (m >= 1) {
      m /= 2;
      e++;
    } else if (m < 0.5) {
      m *= 2;
      e--;
    }
  }
  const negative = v < 0;
  let x = 0;
  while (m !== 0) {
    x = (((x << 28) & PyHASH_MODULUS) | (x >>> (PyHASH_BITS - 28))) >>> 0;
    m *= 268435456.0; // 2**28
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    x += y;
    if (x >= PyHASH_MODULUS) x -= PyHASH_MODULUS;
  }
  e = e >= 0 ? e % PyHASH_BITS : PyHASH_BITS - 1 - ((-1 - e) % PyHASH_BITS);
  x = (((x << e) & PyHASH_MODULUS) | (x >>> (PyHASH_BITS - e))) >>> 0;
  let r = negative ? -x | 0 : x | 0;
  if (r === -1) r = -2;
  return r;
}

/** Reduce a (possibly huge) bigint modulo 2**31 - 1 with Python's sign rule (long_hash). */
export function hash_bigint(v: bigint): number {
  const neg = v < 0n;
  const m = Number((neg ? -v : v) % BigInt(PyHASH_MODULUS));
  const r = neg ? -m : m;
  return r === -1 ? -2 : r;
}
