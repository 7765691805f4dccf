// === Our pymalloc as replay peers: wasm from JS, wasm with the loop inside, the TS twin ===
//
// Filled in against src/alloc (createAllocator) and assembly/replay.ts
// (replay_run) once they exist; until then each reports why it is unavailable.

import type { Backend } from "./backends.js";

async function loadAllocIndex(): Promise<unknown> {
  return import("../../src/alloc/index.js");
}

function pending(key: string, label: string, harness: "js" | "wasm"): Backend {
  return {
    key, label, harness,
    memory: "linear memory at the end",
    records: (t) => t,
    async init() {
      try {
        await loadAllocIndex();
      } catch (e) {
        return `src/alloc/index.ts is not usable yet (${(e as Error).message.split("\n")[0]})`;
      }
      return "not wired up yet";
    },
    async run() {
      throw new Error("unavailable");
    },
  };
}

export const pymallocWasm = pending("wasm", "pymalloc wasm, from JS", "js");
export const pymallocLoop = pending("wasm-loop", "pymalloc wasm, loop in wasm", "wasm");
export const pymallocTwin = pending("ts", "pymalloc TS twin", "js");
