// === The `tracemalloc` module (layer 3, src/tracemalloc): heap.tracemalloc ===
//
// Ports, from CPython 3.11 Modules/_tracemalloc.c (with its clinic argument
// parsing) and Lib/tracemalloc.py: start(nframe=1), stop(), is_tracing(),
// get_traced_memory(), reset_peak(), clear_traces(), get_tracemalloc_memory(),
// get_traceback_limit(), get_object_traceback(obj), take_snapshot(), and the
// classes Snapshot, Statistic, StatisticDiff, Traceback, Frame, Trace, Filter,
// DomainFilter.
//
// Names are Python's own. Python's None is null. A frame is the JavaScript caller
// that asked for the allocation (frames.ts); what is traced is every block the
// heap allocates (tracer.ts). The narrative is docs/tracemalloc.md.

import { PyError } from "../heap/errors.js";
import type { HeapState, Ref } from "../heap/state.js";
import { slots_of } from "../heap/typeobject.js";
import { own_prefixes } from "./frames.js";
import { clinic_int } from "../heap/args.js";
import {
  DomainFilter,
  Filter,
  Frame,
  Snapshot,
  Statistic,
  StatisticDiff,
  Trace,
  Traceback,
} from "./snapshot.js";
import { MAX_NFRAME, Tracer } from "./tracer.js";

/** heap.tracemalloc, as API.md describes it. */
export interface TracemallocModule {
  /** start tracing, keeping `nframe` frames per traceback (1..65535); a no-op if already tracing */
  start(nframe?: number): void;
  /** stop tracing and clear the traces (the traceback limit is kept) */
  stop(): void;
  is_tracing(): boolean;
  /** [current, peak] bytes of traced blocks; [0, 0] when not tracing */
  get_traced_memory(): [number, number];
  /** peak = current (nothing when not tracing) */
  reset_peak(): void;
  /** forget every trace (nothing when not tracing) */
  clear_traces(): void;
  /** an estimate of the tracer's own memory, in bytes */
  get_tracemalloc_memory(): number;
  get_traceback_limit(): number;
  /** where `obj` was allocated (its block's traceback), or null */
  get_object_traceback(obj: Ref): Traceback | null;
  take_snapshot(): Snapshot;
  readonly Snapshot: typeof Snapshot;
  readonly Statistic: typeof Statistic;
  readonly StatisticDiff: typeof StatisticDiff;
  readonly Traceback: typeof Traceback;
  readonly Frame: typeof Frame;
  readonly Trace: typeof Trace;
  readonly Filter: typeof Filter;
  readonly DomainFilter: typeof DomainFilter;
}


/** What the facade lends the module: its handle check for get_object_traceback(obj). */
export interface TracemallocApi {
  check(o: Ref): void;
}

const NO_API: TracemallocApi = {
  check(o: Ref): void {
    if (typeof o !== "number") throw new PyError("TypeError", `not a heap object: ${String(o)}`);
  },
};

/**
 * tracemalloc_module: the `tracemalloc` module object of heap `h`. Build it once
 * per heap (the facade exposes it as `heap.tracemalloc`): it owns the tracer that
 * start() installs as `h.alloc`.
 */
export function tracemalloc_module(h: HeapState, api: TracemallocApi = NO_API): TracemallocModule {
  const tracer = new Tracer(h, own_prefixes(import.meta.url));

  const mod: TracemallocModule = {
    Snapshot,
    Statistic,
    StatisticDiff,
    Traceback,
    Frame,
    Trace,
    Filter,
    DomainFilter,

    start(...args: unknown[]): void {
      if (args.length > 1) throw new PyError("TypeError", `start expected at most 1 argument, got ${args.length}`);
      const nframe = args.length === 0 || args[0] === undefined ? 1 : clinic_int(args[0]);
      if (nframe < 1 || nframe > MAX_NFRAME) {
        throw new PyError("ValueError", `the number of frames must be in range [1; ${MAX_NFRAME}]`);
      }
      if (tracer.tracing) return; // hook already installed: do nothing
      tracer.nframe = nframe;
      tracer.start();
    },

    stop(): void {
      tracer.stop();
    },

    is_tracing(): boolean {
      return tracer.tracing;
    },

    get_traced_memory(): [number, number] {
      if (!tracer.tracing) return [0, 0];
      return [tracer.traced, tracer.peak];
    },

    reset_peak(): void {
      if (!tracer.tracing) return;
      tracer.peak = tracer.traced;
    },

    clear_traces(): void {
      if (!tracer.tracing) return;
      tracer.clear();
    },

    get_tracemalloc_memory(): number {
      return tracer.memory();
    },

    get_traceback_limit(): number {
      return tracer.nframe;
    },

    get_object_traceback(...args: Ref[]): Traceback | null {
      if (args.length !== 1) {
        throw new PyError(
          "TypeError",
          args.length === 0
            ? "get_object_traceback() missing 1 required positional argument: 'obj'"
            : `get_object_traceback() takes 1 positional argument but ${args.length} were given`,
        );
      }
      const obj = args[0];
      api.check(obj);
      if (!tracer.tracing) return null;
      // _PyTraceMalloc_GetTraceback: the block starts at the object minus the type's pre-header
      const rec = tracer.traceback_of(obj - slots_of(h, obj).presize);
      return rec === null ? null : new Traceback(rec.frames);
    },

    take_snapshot(): Snapshot {
      if (!tracer.tracing) {
        throw new PyError("RuntimeError", "the tracemalloc module must be tracing memory allocations to take a snapshot");
      }
      return new Snapshot(tracer.traces(), tracer.nframe);
    },
  };
  return mod;
}
