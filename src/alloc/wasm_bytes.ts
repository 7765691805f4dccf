// === Where the wasm bytes come from (one small module, swapped when bundling) ===
//
// Two builds of the same code (asconfig.json): build/pymalloc.wasm declares an
// ordinary memory, build/pymalloc.shared.wasm a shared one (same code, memory
// declared `shared` with a 2 GiB maximum); see wasm.ts for why the shared one is
// preferred. In Node (tests, tsx, the package used from src/) a module is read from
// build/ relative to this file; in a browser it is fetched from the same URL.
// scripts/build.mjs replaces this module with one that embeds both (esbuild's
// binary loader), so dist/index.js needs no file at all.

export async function loadPymallocWasm(shared: boolean): Promise<Uint8Array> {
  const url = shared
    ? new URL("../../build/pymalloc.shared.wasm", import.meta.url)
    : new URL("../../build/pymalloc.wasm", import.meta.url);
  if (url.protocol === "file:") {
    const fs = await import("node:fs/promises");
    try {
      return new Uint8Array(await fs.readFile(url));
    } catch (err) {
      throw new Error(`pyheap: cannot read ${url.pathname}; run \`npm run build:wasm\` first (${(err as Error).message})`);
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`pyheap: cannot fetch ${url}: ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}
