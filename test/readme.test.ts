// The README's code examples run as written, and the values their comments promise
// (`expr; // 2, as CPython`) are the values they give. A README that drifts from the
// API fails here.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as pyheap from "../src/index";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const BLOCKS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

/**
 * A README block as the body of an async function: its `import ... from "pyheap"`
 * bound to the package's exports, and each `expr; // <number>...` line turned into a
 * check that expr gives that number.
 */
function runnable(block: string): string {
  return block
    .split("\n")
    .map((line) => {
      const imp = /^import \{([^}]*)\} from "pyheap";$/.exec(line);
      if (imp) return `const {${imp[1]}} = pyheap;`;
      const claim = /^(\S.*?);\s*\/\/\s*(-?\d+(?:\.\d+)?)\b/.exec(line);
      if (claim && !/^(const|let|import)\b/.test(claim[1])) return `check(${JSON.stringify(claim[1])}, ${claim[1]}, ${claim[2]});`;
      return line;
    })
    .join("\n");
}

describe("README examples", () => {
  it("has the two examples (allocator, heap)", () => {
    expect(BLOCKS.length).toBeGreaterThanOrEqual(2);
  });

  it.each(BLOCKS.map((b, i) => [i, b] as const))("block %i runs and gives the values its comments state", async (_, block) => {
    const checked: string[] = [];
    const check = (src: string, got: unknown, want: number): void => {
      expect(got, src).toBe(want);
      checked.push(src);
    };
    const logs: unknown[] = [];
    const console = { log: (...a: unknown[]) => logs.push(a) };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
    await new AsyncFunction("pyheap", "check", "console", runnable(block))(pyheap, check, console);
    // a block that states values has them all checked
    const claims = block.split("\n").filter((l) => /;\s*\/\/\s*-?\d/.test(l) && !/^(const|let)\b/.test(l));
    expect(checked.length).toBe(claims.length);
  });
});
