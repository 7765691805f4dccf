// === Python exceptions as JavaScript errors (layer 3) ===
//
// A Python exception surfaces as a `PyError` with CPython's exception type name in
// `.pytype` and CPython's message text in `.message`. JS functions running on the
// heap raise one with `throw new PyError("ValueError", "...")`; any other thrown
// value is turned into a Python exception by `toPyError` where the heap catches it.

/** The builtin exception hierarchy this heap raises (subclass -> base). */
const EXC_BASES: Record<string, string> = {
  BaseException: "",
  Exception: "BaseException",
  TypeError: "Exception",
  ValueError: "Exception",
  LookupError: "Exception",
  KeyError: "LookupError",
  IndexError: "LookupError",
  AttributeError: "Exception",
  MemoryError: "Exception",
  ReferenceError: "Exception",
  RuntimeError: "Exception",
  RecursionError: "RuntimeError",
  NotImplementedError: "RuntimeError",
  StopIteration: "Exception",
  OverflowError: "ArithmeticError",
  ZeroDivisionError: "ArithmeticError",
  ArithmeticError: "Exception",
  SystemError: "Exception",
  UnicodeError: "ValueError",
  UnicodeEncodeError: "UnicodeError",
  Warning: "Exception",
  ResourceWarning: "Warning",
};

export class PyError extends Error {
  /** the Python exception type name: "TypeError", "KeyError", ... */
  readonly pytype: string;
  /** the original JS value when a non-PyError was thrown inside Python code */
  readonly original: unknown;

  constructor(pytype: string, message = "", original?: unknown) {
    super(message);
    this.name = "PyError";
    this.pytype = pytype;
    this.original = original;
  }

  /** isinstance(exc, pytype) along the builtin hierarchy */
  is(pytype: string): boolean {
    for (let t: string | undefined = this.pytype; t; t = EXC_BASES[t]) {
      if (t === pytype) return true;
    }
    return false;
  }

  /** `str(exc)` as Python shows it after "TypeError: " */
  override toString(): string {
    return this.message ? `${this.pytype}: ${this.message}` : this.pytype;
  }
}

/** Any thrown value as a Python exception (a JS Error becomes a RuntimeError-like `Exception`). */
export function toPyError(e: unknown): PyError {
  if (e instanceof PyError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new PyError("RecursionError", "maximum recursion depth exceeded", e);
  }
  if (e instanceof Error) return new PyError("Exception", e.message, e);
  return new PyError("Exception", String(e), e);
}

export function typeError(msg: string): PyError {
  return new PyError("TypeError", msg);
}

export function memoryError(): PyError {
  return new PyError("MemoryError", "");
}

/**
 * The Python type name a JS argument stands for, for "'X' object ..." and
 * "... not X" messages about arguments given as plain JS values: the type that
 * heap.from would make of it (a class instance gives its constructor's name).
 */
export function js_value_type_name(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  switch (typeof v) {
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "string":
      return "str";
    case "function":
      return "function";
    case "symbol":
      return "symbol";
  }
  if (Array.isArray(v)) return "list";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof Set) return "set";
  const proto = Object.getPrototypeOf(v);
  if (v instanceof Map || proto === Object.prototype || proto === null) return "dict";
  return (proto?.constructor?.name as string | undefined) ?? "object";
}
