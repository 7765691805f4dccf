// Bundle src/index.ts into dist/index.js with the wasm module embedded.
//
// src/alloc/wasm_bytes.ts reads build/pymalloc.wasm from disk (Node) or fetches
// it (browsers); in the bundle it is replaced by a module that imports the
// bytes through esbuild's binary loader, so dist/index.js is self-contained.
// An explicit --target matters: without one, esbuild >= 0.27 emits
// Uint8Array.fromBase64, which Node 20 lacks.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

const root = fileURLToPath(new URL("..", import.meta.url));
const wasm = `${root}build/pymalloc.wasm`;
if (!existsSync(wasm)) {
  console.error(`scripts/build.mjs: ${wasm} is missing; run npm run build:wasm first`);
  process.exit(1);
}

const embedWasm = {
  name: "embed-pymalloc-wasm",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]alloc[\\/]wasm_bytes\.ts$/ }, () => ({
      contents:
        `import bytes from ${JSON.stringify(wasm)};\n` +
        `export async function loadPymallocWasm() { return bytes; }\n`,
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
