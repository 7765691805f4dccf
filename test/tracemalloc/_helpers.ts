// Helpers of the tracemalloc tests: source line markers and CPython's
// Lib/tracemalloc.py run on our snapshots' raw traces (the oracle for grouping,
// ordering, filtering and every text).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import type { Heap } from "../../src/index";
import { tracemalloc_module, type TracemallocModule } from "../../src/tracemalloc/index";
import type { Snapshot } from "../../src/tracemalloc/index";
import { python3Json } from "../helpers";

/** The tracemalloc module of a heap (until the facade exposes heap.tracemalloc). */
export function tracemallocOf(heap: Heap): TracemallocModule {
  const tm = (heap as unknown as { tracemalloc?: TracemallocModule }).tracemalloc;
  return tm ?? tracemalloc_module(heap.h);
}

/** Line numbers of `// @marker` comments in a test file (given by its import.meta.url). */
export function lineMarkers(url: string): { file: string; lineOf(marker: string): number } {
  const file = fileURLToPath(url);
  const lines = readFileSync(file, "utf8").split("\n");
  return {
    file,
    lineOf(marker: string): number {
      const tag = "// " + marker;
      const hits: number[] = [];
      lines.forEach((l, i) => {
        if (l.trimEnd().endsWith(tag)) hits.push(i + 1);
      });
      if (hits.length !== 1) throw new Error(`marker ${tag}: ${hits.length} lines`);
      return hits[0];
    },
  };
}

let dir: string | null = null;
let files = 0;

// the temporary directory goes when the test file is done
afterAll(() => {
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

/** A new file name in this test file's temporary directory. */
export function tempFile(name: string): string {
  if (dir === null) dir = mkdtempSync(join(tmpdir(), "pyheap-tm-"));
  return join(dir, `${files++}-${name}`);
}

/** A snapshot's raw traces as JSON for Python: [domain, size, [[file, line], ...], total_nframe] */
export function rawTraces(s: Snapshot): unknown[] {
  return s._traces.map((t) => [t.domain, t.size, t.traceback.frames, t.traceback.total_nframe]);
}

/** Python code that rebuilds a Lib/tracemalloc.py Snapshot from rawTraces() JSON in variable `name`. */
export function pySnapshot(name: string, s: Snapshot): string {
  const file = tempFile(`${name}.json`);
  writeFileSync(file, JSON.stringify(rawTraces(s)));
  return (
    `${name} = tracemalloc.Snapshot([(d, s, tuple(tuple(f) for f in fr), t) ` +
    `for d, s, fr, t in json.load(open(${JSON.stringify(file)}))], ${s.traceback_limit})\n`
  );
}

/** Run `code` after `import json, tracemalloc`; it must print one json.dumps. */
export function pyTracemalloc<T>(code: string): T {
  return python3Json<T>(`import json, tracemalloc\nfrom tracemalloc import Filter, DomainFilter\n${code}`);
}
