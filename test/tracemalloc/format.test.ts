// Python's formatting and matching, ported for tracemalloc and objgraph, against
// python3: fnmatch patterns (Lib/fnmatch.py translate), "%.0f" / "%.1f" with
// ties, "%g" (objgraph's colours), repr() of a str.

import { describe, expect, it } from "vitest";
import { fnmatch_compile, py_fixed, py_repr_str } from "../../src/tracemalloc/format";
import { py_g } from "../../src/objgraph/names";
import { python3Json } from "../helpers";

describe("Python formatting ports", () => {
  it("fnmatch: the same matches as fnmatch.fnmatchcase", () => {
    const patterns = [
      "*", "*.ts", "/work/*/x.ts", "?", "a?c", "[abc]*", "[!abc]*", "[a-c]x", "[!a-c]x", "[]]", "[!]]x", "[a-]",
      "[-a]", "[z-a]x", "[a-c-e]", "[", "x[", "*[*", "a\\b", "[\\]x", "*.[tj]s", "a*b*c", "*(1)+", "^$.", "[!]",
      "[^a]", "[[]x", "**a", "ü*", "日本*",
    ];
    const names = [
      "", "a", "b", "x", "ax", "bx", "cx", "dx", "]", "]x", "-", "-x", "zx", "ax.ts", "/work/main/x.ts", "/work/a/b/x.ts",
      "abc", "adc", "a/c", "abbbc", "ab", "d", "a\\b", "\\x", "x.js", "x.ts", "x.py", "q(1)+", "^$.", "^", "[x", "[",
      "x[", "a[b", "aa", "üx", "日本語", "e",
    ];
    const want = python3Json<boolean[][]>(`
import json, fnmatch
pats = json.loads(${JSON.stringify(JSON.stringify(patterns))})
names = json.loads(${JSON.stringify(JSON.stringify(names))})
print(json.dumps([[fnmatch.fnmatchcase(n, p) for n in names] for p in pats]))`);
    expect(patterns.map((p) => names.map((n) => fnmatch_compile(p).test(n)))).toEqual(want);
  });

  it('"%.0f", "%.1f", "%+.1f" round exact ties to even, as Python', () => {
    const values = [0.5, 1.5, 2.5, 3.5, -0.5, -2.5, 0.25, 0.75, 10.25, 10.35, 10.45, 1.05, 2.675, -0.04, 0, -0, 1e-7, 99.95, 1023.5];
    const want = python3Json<string[]>(`
import json
vals = json.loads(${JSON.stringify(JSON.stringify(values.map((v) => (Object.is(v, -0) ? "-0" : v))))})
vals = [float(v) for v in vals]
print(json.dumps([f for v in vals for f in ('%.0f' % v, '%.1f' % v, '%+.1f' % v, '%+.0f' % v)]))`);
    expect(values.flatMap((v) => [py_fixed(v, 0), py_fixed(v, 1), py_fixed(v, 1, true), py_fixed(v, 0, true)])).toEqual(want);
  });

  it('"%g" as Python', () => {
    const values = [0, 1, 0.3, 0.65, 0.766667, 2 / 3, 1 / 3, 0.5 + 0.3 * 0.5, 1e-5, 0.0001, 123456, 1234567, 1e21, -0.25, 0.1 + 0.2, 100, 1e-4 * 3];
    const want = python3Json<string[]>(`
import json
print(json.dumps(['%g' % v for v in json.loads(${JSON.stringify(JSON.stringify(values))})]))`);
    expect(values.map(py_g)).toEqual(want);
  });

  it("repr() of a str", () => {
    const values = ["abc", "it's", 'say "hi"', `both ' and "`, "tab\there\n", "back\\slash", "\x01\x7f", "é日本"];
    const want = python3Json<string[]>(`
import json
print(json.dumps([repr(v) for v in json.loads(${JSON.stringify(JSON.stringify(values))})]))`);
    expect(values.map(py_repr_str)).toEqual(want);
  });
});
