// === The allocator contract (layers 0-2) ===
//
// Layer: the boundary between the object heap (src/heap, layer 3) and pymalloc
// (assembly/ compiled to wasm, or its pure-TypeScript twin in src/alloc/twin/).
// Everything above this file talks to an `Allocator` and nothing else; nothing
// below it knows about Python objects.
//
// Both implementations keep the same invariant: the same sequence of calls
// returns the same addresses, in the same linear-memory layout.

/** Which implementation of pymalloc serves the calls. */
export type Backend = "wasm" | "ts";

export interface AllocatorOptions {
  /** "wasm" (AssemblyScript, default) or "ts" (pure TypeScript twin). */
  backend?: Backend;
  /** PYTHONMALLOC=debug-style guard bytes, fill patterns and fault detection. */
  debug?: boolean;
  /** Bytes the linear memory may grow to (default 1 GiB). Past it malloc returns 0. */
  maxMemory?: number;
  /**
   * Put the linear memory in a shared WebAssembly.Memory (a SharedArrayBuffer), which
   * grows without detaching its old buffer. Default: true where the host allows it
   * (Node; browsers on cross-origin-isolated pages); true where it does not is an error.
   */
  sharedMemory?: boolean;
}

/** Per size class figures, as `sys._debugmallocstats()` prints them. */
export interface SizeClassStats {
  /** size class index (0..63) */
  szidx: number;
  /** block size in bytes, INDEX2SIZE(szidx) */
  size: number;
  /** pools of this class that hold at least one allocated block */
  pools: number;
  blocksInUse: number;
  /** free blocks in those pools, never-carved ones included */
  blocksFree: number;
}

export interface AllocatorStats {
  arenasAllocated: number; // ntimes_arena_allocated
  arenasFreed: number; // "arenas reclaimed"
  arenasHighwater: number; // narenas_highwater
  arenasCurrent: number; // narenas_currently_allocated
  poolsUsed: number; // pools holding >= 1 block
  poolsFree: number; // cached empty pools + never-carved pools in allocated arenas
  sizeClasses: SizeClassStats[]; // only classes with pools > 0
  bytesInUse: number; // bytes in allocated pymalloc blocks (block sizes, not requests)
  bytesAvailable: number; // bytes in free blocks of used pools
  rawBlocksInUse: number; // raw_allocated_blocks
  rawBytesInUse: number; // bytes held by raw (layer 1) blocks served to callers
  linearMemoryBytes: number; // current size of the linear memory
}

/**
 * pymalloc over one linear memory. Addresses are byte offsets into `memory.buffer`;
 * 0 means "no memory" (as NULL in C).
 *
 * Ownership: a block belongs to the caller from malloc/calloc/realloc until free.
 * `memory.buffer` is replaced when the memory grows: a plain buffer is detached, so
 * stale typed-array views read as length 0; a shared one stays valid at its old
 * length (same memory: addresses below it read the same bytes). Either way, views
 * made before a growth must be made again to reach the new part; `onGrow` listeners
 * run synchronously right after every growth, before the allocating call returns.
 */
export interface Allocator {
  readonly backend: Backend;
  readonly debug: boolean;
  readonly maxMemory: number;
  /** the linear memory is a SharedArrayBuffer (see AllocatorOptions.sharedMemory) */
  readonly sharedMemory: boolean;
  /** the WebAssembly.Memory (wasm) or an object with the current `.buffer` (ts) */
  readonly memory: { readonly buffer: ArrayBufferLike };
  /** PyObject_Malloc: 1..512 bytes from pymalloc, 0 and larger from the raw layer. */
  malloc(n: number): number;
  /** PyObject_Calloc: n = nelem*elsize bytes, zeroed. */
  calloc(nelem: number, elsize: number): number;
  /** PyObject_Realloc, with pymalloc's in-place and never-migrate-back rules. */
  realloc(p: number, n: number): number;
  /** PyObject_Free; free(0) is a no-op. */
  free(p: number): void;
  /** Register a listener called after every growth of the linear memory. */
  onGrow(listener: (buffer: ArrayBufferLike) => void): void;
  stats(): AllocatorStats;
  /** the text CPython 3.11's `sys._debugmallocstats()` prints for the allocator part */
  debugmallocstats(): string;
  /** as `sys.getallocatedblocks()` */
  getallocatedblocks(): number;
  /** walks every arena, pool and free list; throws on the first broken invariant */
  check(): void;
}
