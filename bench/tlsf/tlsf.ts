// @ts-nocheck: AssemblyScript source (built by asc, not tsc; see bench/README.md)
//
// === AssemblyScript's own TLSF, exported as a C-style allocator (bench peer) ===
//
// The replay benchmark (bench/replay.ts) compares our wasm pymalloc with the
// allocator every AssemblyScript program already has: the runtime's TLSF
// (std/assembly/rt/tlsf.ts), reached through heap.alloc / heap.realloc /
// heap.free. They are not exported by any asc flag, so this module wraps them.
// Built with `--runtime minimal -O3 --noAssert` (see the bench:build script);
// the minimal runtime's collector never runs because nothing here allocates
// managed objects, and heap.* blocks carry no GC header.
//
// Besides the four calls, the module holds two replay loops that run a whole
// packed trace inside wasm, with the same per-record actions as CPython's
// native replayer (anchors/trace/replay.c) and our pymalloc's replay_run:
//
//   record (8 bytes): word0 = id | ((op - 1) << 30), word1 = size
//   malloc   p = malloc(size); write one byte unless size 0; ptrs[id] = p
//   calloc   p = calloc(1, size); likewise
//   realloc  p = realloc(ptrs[id], size); likewise
//   free     free(ptrs[id]); ptrs[id] = 0
//
// replay_noop is the same loop with fake addresses and no allocator: the cost
// of the in-wasm harness itself, which the table subtracts from in-wasm rows.

export function malloc(size: usize): usize {
  return heap.alloc(size);
}

export function calloc(nelem: usize, elsize: usize): usize {
  const n = nelem * elsize;
  const p = heap.alloc(n);
  memory.fill(p, 0, n);
  return p;
}

export function realloc(p: usize, size: usize): usize {
  return heap.realloc(p, size);
}

export function free(p: usize): void {
  heap.free(p);
}

/** Replays `nrec` packed records at `recs`, ids -> pointers in the u32 array at
 *  `ptrs`. Returns 0, or 1 + the index of the first record whose allocation
 *  returned 0. */
export function replay_run(recs: usize, nrec: u32, ptrs: usize): u32 {
  for (let i: u32 = 0; i < nrec; i++) {
    const r = recs + (<usize>i << 3);
    const w0 = load<u32>(r);
    const size = load<u32>(r, 4);
    const slot = ptrs + (<usize>(w0 & 0x3fffffff) << 2);
    const op = w0 >>> 30;
    let p: usize;
    if (op == 0) {
      p = heap.alloc(size);
    } else if (op == 1) {
      p = calloc(1, size);
    } else if (op == 2) {
      p = heap.realloc(load<u32>(slot), size);
    } else {
      heap.free(load<u32>(slot));
      store<u32>(slot, 0);
      continue;
    }
    if (p == 0) return i + 1;
    if (size != 0) store<u8>(p, <u8>i);
    store<u32>(slot, <u32>p);
  }
  return 0;
}

let fake_next: u32 = 4096;
let fake_sink: u32 = 0;

/** The same loop without an allocator (fake addresses, nothing written):
 *  the harness cost, as replay.c's `loop`. Returns a value derived from the
 *  fake addresses so that nothing can be optimised away. */
export function replay_noop(recs: usize, nrec: u32, ptrs: usize): u32 {
  fake_next = 4096;
  for (let i: u32 = 0; i < nrec; i++) {
    const r = recs + (<usize>i << 3);
    const w0 = load<u32>(r);
    const size = load<u32>(r, 4);
    const slot = ptrs + (<usize>(w0 & 0x3fffffff) << 2);
    const op = w0 >>> 30;
    if (op == 3) {
      fake_sink ^= load<u32>(slot);
      store<u32>(slot, 0);
      continue;
    }
    const p = fake_next;
    fake_next += 16 + (size & ~15);
    store<u32>(slot, p);
  }
  return fake_sink ^ fake_next;
}
