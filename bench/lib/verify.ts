// === What a correct replay leaves behind, and the check of it ===
//
// Computed from the packed records alone (word0 = id | ((op - 1) << 30),
// word1 = size), for a prefix of `n` records. After a timed run, outside the
// timing, verifyReplay() checks the allocator's end state against it:
//
//   - every block live at the end has a non-zero address (size > 0),
//   - lies inside the memory it was handed out from,
//   - still holds the byte the loop wrote at its last malloc/calloc/realloc
//     (the record index mod 256), so no later allocation overlapped it,
//   - and no two live blocks overlap (sorted by address, using the requested
//     sizes; a zero-size block counts as 1 byte).

export interface Expectation {
  /** records in the prefix */
  n: number;
  /** ids seen (size of the id -> pointer array) */
  nIds: number;
  /** ids live after the prefix, their requested sizes and expected first bytes */
  liveIds: Uint32Array;
  liveSizes: Uint32Array;
  liveBytes0: Uint8Array;
  finalLiveBytes: number;
  peakLiveBytes: number;
  peakLiveBlocks: number;
}

export function expectation(recs: Uint32Array, n: number): Expectation {
  let nIds = 0;
  for (let j = 0; j < 2 * n; j += 2) {
    const id = recs[j] & 0x3fffffff;
    if (id + 1 > nIds) nIds = id + 1;
  }
  const size = new Uint32Array(nIds), last = new Int32Array(nIds).fill(-1);
  const live = new Uint8Array(nIds);
  let liveBytes = 0, liveBlocks = 0, peakLiveBytes = 0, peakLiveBlocks = 0;
  for (let i = 0, j = 0; i < n; i++, j += 2) {
    const w0 = recs[j], sz = recs[j + 1], id = w0 & 0x3fffffff;
    switch (w0 >>> 30) {
      case 0: case 1:
        live[id] = 1; size[id] = sz; last[id] = i; liveBytes += sz; liveBlocks++; break;
      case 2:
        liveBytes += sz - size[id]; size[id] = sz; last[id] = i; break;
      default:
        live[id] = 0; liveBytes -= size[id]; liveBlocks--; break;
    }
    if (liveBytes > peakLiveBytes) peakLiveBytes = liveBytes;
    if (liveBlocks > peakLiveBlocks) peakLiveBlocks = liveBlocks;
  }
  const liveIds = new Uint32Array(liveBlocks), liveSizes = new Uint32Array(liveBlocks), liveBytes0 = new Uint8Array(liveBlocks);
  for (let id = 0, k = 0; id < nIds; id++) {
    if (!live[id]) continue;
    liveIds[k] = id; liveSizes[k] = size[id]; liveBytes0[k] = last[id] & 0xff; k++;
  }
  return { n, nIds, liveIds, liveSizes, liveBytes0, finalLiveBytes: liveBytes, peakLiveBytes, peakLiveBlocks };
}

/**
 * Checks the end state of a replay. `ptr(id)` reads the id -> pointer array
 * (a JS Uint32Array or one inside linear memory), `mem` is the memory the
 * blocks live in (read after the run, so after any growth). Throws on the
 * first violation; returns a one-line summary.
 */
export function verifyReplay(e: Expectation, ptrs: Uint32Array, mem: Uint8Array): string {
  const m = e.liveIds.length;
  const addr = new Float64Array(m);
  const order = new Uint32Array(m);
  for (let k = 0; k < m; k++) {
    const id = e.liveIds[k], p = ptrs[id], sz = e.liveSizes[k];
    if (sz === 0) { addr[k] = NaN; continue; }
    if (p === 0) throw new Error(`id ${id} (size ${sz}) is live but has no address`);
    if (p + sz > mem.length) throw new Error(`id ${id}: block [${p}, ${p + sz}) outside memory of ${mem.length} bytes`);
    if (mem[p] !== e.liveBytes0[k])
      throw new Error(`id ${id} at ${p}: first byte ${mem[p]}, expected ${e.liveBytes0[k]} (overwritten by another block?)`);
    addr[k] = p;
    order[k] = k;
  }
  // sort live blocks by address and check neighbours
  const idx = Array.from(order.keys()).filter((k) => !Number.isNaN(addr[k]));
  idx.sort((a, b) => addr[a] - addr[b]);
  for (let t = 1; t < idx.length; t++) {
    const a = idx[t - 1], b = idx[t];
    if (addr[a] + Math.max(e.liveSizes[a], 1) > addr[b])
      throw new Error(`live blocks overlap: id ${e.liveIds[a]} [${addr[a]}, +${e.liveSizes[a]}) and id ${e.liveIds[b]} at ${addr[b]}`);
  }
  return `${idx.length} live blocks intact and disjoint`;
}
