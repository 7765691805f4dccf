// pyheap in a browser-like realm: the package bundled as a classic script (no
// import.meta.url, as some bundlers leave it) and run in a fresh VM context that has
// no `process`, no `require`, no Node builtins and `crossOriginIsolated = false` (a page
// without cross-origin isolation: no shared memory). The heap must start on the plain
// wasm build and work, and tracemalloc must find its own frames without import.meta.url.

import { fileURLToPath } from "node:url";
import { runInContext, createContext } from "node:vm";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function bundle(): Promise<string> {
  const out = await build({
    stdin: {
      contents: `import { createHeap } from "./src/index.ts";
        globalThis.__run = async () => {
          const heap = await createHeap();
          const l = heap.from([1, "two", { three: 3 }]);
          const out = [heap.repr(l), heap.mem.sharedMemory, Object.prototype.toString.call(heap.mem.memory.buffer)];
          const a = heap.list(); heap.append(a, a); heap.decref(a); heap.decref(l);
          out.push(heap.gc.collect());
          heap.tracemalloc.start();
          const t = heap.list([heap.int(100000)]);
          out.push(heap.tracemalloc.get_traced_memory()[0] > 0, String(heap.tracemalloc.take_snapshot().statistics("lineno")[0]).split(":")[0]);
          heap.decref(t);
          heap.close();
          return out;
        };`,
      resolveDir: ROOT,
      loader: "ts",
    },
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "error",
    loader: { ".wasm": "binary" },
    plugins: [
      {
        // as scripts/build.mjs does for dist/: the wasm bytes embedded
        name: "embed-pymalloc-wasm",
        setup(b) {
          b.onLoad({ filter: /[\\/]src[\\/]alloc[\\/]wasm_bytes\.ts$/ }, () => ({
            contents:
              `import plain from ${JSON.stringify(`${ROOT}build/pymalloc.wasm`)};\n` +
              `import shared from ${JSON.stringify(`${ROOT}build/pymalloc.shared.wasm`)};\n` +
              `export async function loadPymallocWasm(isShared) { return isShared ? shared : plain; }\n`,
            loader: "ts",
          }));
        },
      },
    ],
  });
  return out.outputFiles[0].text;
}

describe("in a browser-like realm", () => {
  it("starts on the plain build, runs the heap and the collector, and traces", async () => {
    const code = await bundle();
    expect(code).not.toMatch(/\bprocess\.|require\(/);
    const ctx: Record<string, unknown> = { console, WebAssembly, performance, crossOriginIsolated: false, URL, TextDecoder, TextEncoder };
    ctx.globalThis = ctx;
    createContext(ctx);
    runInContext(code, ctx);
    const out = await (ctx.__run as () => Promise<unknown[]>)();
    // the bundle's own frames (pyheap and __run, one script) are skipped: the allocation is
    // traced to the first frame outside it, this test's call of __run
    expect(out.slice(0, 5)).toEqual(["[1, 'two', {'three': 3}]", false, "[object ArrayBuffer]", 1, true]);
    expect(out[5]).toBe(fileURLToPath(import.meta.url));
  });
});
