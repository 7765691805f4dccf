// Bundle src/index.ts into dist/index.js with the wasm module embedded.
//
// src/alloc/wasm_bytes.ts reads build/pymalloc.wasm or build/pymalloc.shared.wasm
// from disk (Node) or fetches it (browsers); in the bundle it is replaced by a
// module that imports both through esbuild's binary loader, so dist/index.js is
// self-contained.
// An explicit --target matters: without one, esbuild >= 0.27 emits
// Uint8Array.fromBase64, which Node 20 lacks.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

const root = fileURLToPath(new URL("..", import.meta.url));
const wasm = `${root}build/pymalloc.wasm`;
const sharedWasm = `${root}build/pymalloc.shared.wasm`;
for (const f of [wasm, sharedWasm]) {
  if (!existsSync(f)) {
    console.error(`scripts/build.mjs: ${f} is missing; run npm run build:wasm first`);
    process.exit(1);
  }
}

const embedWasm = {
  name: "embed-pymalloc-wasm",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]alloc[\\/]wasm_bytes\.ts$/ }, () => ({
      contents:
        `import plain from ${JSON.stringify(wasm)};\n` +
        `import shared from ${JSON.stringify(sharedWasm)};\n` +
        `export async function loadPymallocWasm(isShared) { return isShared ? shared : plain; }\n`,
      loader: "ts",
    }));
  },
};

await build({
  entryPoints: [`${root}src/index.ts`],
  outfile: `${root}dist/index.js`,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  loader: { ".wasm": "binary" },
  plugins: [embedWasm],
  logLevel: "warning",
});
