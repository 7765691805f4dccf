// === The twin's linear memory: one ArrayBuffer and its typed-array views ===
//
// Layer 0 support for the TypeScript twin: what `load`/`store`/`memory.*` are
// to the AssemblyScript code. One `Mem` object per allocator, holding one
// ArrayBuffer with one Int32Array (every 4-byte field: index = address >> 2)
// and one Uint8Array (byte access, fills, copies) over it. Never a JS object
// per block or pool. Only arena_source.ts replaces the buffer (and then the
// views); code that may have grown the memory re-reads `m.i32`.
//
// Where the host has WebAssembly, the ArrayBuffer is that of a
// WebAssembly.Memory used purely as a growable buffer (no wasm code runs): its
// grow() extends the buffer in place instead of copying it, which the twin's
// small growth steps (top/8) would otherwise pay for at every step. With
// `shared`, that memory is a shared one (a SharedArrayBuffer, never detached:
// see src/alloc/wasm.ts for why that speeds up every typed-array access);
// otherwise the old buffer is detached on growth. Without WebAssembly a plain
// ArrayBuffer is copied on growth, and the old one detached.
//
// Never touches: allocator logic.

export type GrowListener = (buffer: ArrayBufferLike) => void;

/** 64 KiB: WebAssembly's page, the unit of growth */
const PAGE = 65536;

export class Mem {
  buffer: ArrayBufferLike;
  i32: Int32Array;
  u8: Uint8Array;
  /** the growable backing store when the host has WebAssembly, else null */
  readonly growable: WebAssembly.Memory | null;
  readonly listeners: GrowListener[] = [];

  /** `bytes` to start with (a multiple of 64 KiB), growable up to `maxBytes`; `shared` needs WebAssembly. */
  constructor(bytes: number, maxBytes: number, shared: boolean) {
    if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
      throw new Error("pyheap: the TypeScript twin needs a little-endian host (wasm memory is little-endian)");
    }
    this.growable =
      typeof WebAssembly === "object" && typeof WebAssembly.Memory === "function"
        ? new WebAssembly.Memory({ initial: bytes / PAGE, maximum: Math.max(bytes, maxBytes) / PAGE, shared })
        : null;
    if (shared && this.growable === null) throw new Error("pyheap: shared memory needs WebAssembly.Memory");
    this.buffer = this.growable !== null ? this.growable.buffer : new ArrayBuffer(bytes);
    this.i32 = new Int32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
  }

  /** memory.size() << 16 */
  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /** memory.fill(dst, value, n) */
  fill(dst: number, value: number, n: number): void {
    if (n > 0) this.u8.fill(value, dst, dst + n);
  }

  /** memory.copy(dst, src, n) */
  copy(dst: number, src: number, n: number): void {
    if (n > 0) this.u8.copyWithin(dst, src, src + n);
  }
}
