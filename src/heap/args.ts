// === JS values standing for Python int arguments (layer 3) ===
//
// Ports, from CPython 3.11 (wasm32: int and Py_ssize_t are 32 bits): the integer
// converters of Argument Clinic and PyArg_ParseTuple as the module functions here use
// them — _PyLong_AsInt ("int"), "i", and Py_ssize_t ("n", _Py_convert_optional_to_ssize_t)
// — with their TypeError and OverflowError texts. A JS number that is an integer, a
// bigint, or a boolean (bool is an int subclass) is an int; anything else is the type
// heap.from would make of it (js_value_type_name).

import { js_value_type_name, PyError } from "./errors.js";

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** An integer argument as a JS number (bigint kept exact), or null if it is not an int. */
export function as_integer(v: unknown): number | bigint | null {
  if (typeof v === "number") return Number.isInteger(v) ? v : null;
  if (typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return null;
}

/** "'float' object cannot be interpreted as an integer" */
export function not_an_integer(v: unknown): PyError {
  return new PyError("TypeError", `'${js_value_type_name(v)}' object cannot be interpreted as an integer`);
}

/** An int argument that must fit a 32-bit C type (`int`, or `ssize_t` on wasm32). */
function c_int32(v: unknown, ctype: "int" | "ssize_t"): number {
  const x = as_integer(v);
  if (x === null) throw not_an_integer(v);
  if (x > INT_MAX || x < INT_MIN) throw new PyError("OverflowError", `Python int too large to convert to C ${ctype}`);
  return Number(x);
}

/** Argument Clinic `int` (_PyLong_AsInt). */
export function clinic_int(v: unknown): number {
  return c_int32(v, "int");
}

/** PyArg_ParseTuple "i". */
export function parse_i(v: unknown): number {
  const x = as_integer(v);
  if (x === null) throw not_an_integer(v);
  if (x > INT_MAX) throw new PyError("OverflowError", "signed integer is greater than maximum");
  if (x < INT_MIN) throw new PyError("OverflowError", "signed integer is less than minimum");
  return Number(x);
}

/** Argument Clinic `Py_ssize_t` (list.pop's index, ...). */
export function clinic_ssize_t(v: unknown): number {
  return c_int32(v, "ssize_t");
}

/** _Py_convert_optional_to_ssize_t: an int or None (undefined/null), None as -1. */
export function optional_ssize_t(v: unknown): number {
  if (v === undefined || v === null) return -1;
  if (as_integer(v) === null) throw new PyError("TypeError", `argument should be integer or None, not '${js_value_type_name(v)}'`);
  return c_int32(v, "ssize_t");
}
