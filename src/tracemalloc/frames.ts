// === tracemalloc: who asked for the allocation (layer 3, src/tracemalloc) ===
//
// CPython's tracemalloc records the Python frames active at each allocation
// (traceback_get_frames: the innermost `max_nframe` frames of the current thread,
// C frames being invisible). Here a "frame" is a JavaScript stack frame outside
// pyheap's own source: pyheap plays the part of the C interpreter, so the frames
// of src/ and dist/ are skipped (wherever they sit in the stack), as are frames
// with no file (native builtins, eval) and Node's own (node:*). What is left is
// the user's code: the first of those frames is the line that called the heap.
//
// Capture: Error.captureStackTrace with a structured Error.prepareStackTrace (the
// CallSite objects, no string formatting) and Error.stackTraceLimit cut to a
// window of nframe + WINDOW_SLACK frames; both globals are restored right away.
// If the window held no user frame (or fewer than nframe) and was full, the
// capture is retried with a window four times larger.
//
// Each distinct traceback is interned once (a Map from the raw positions to a
// TracebackRecord), as _tracemalloc's traceback hashtable does; only then are
// its positions mapped to the original source: through whatever
// Error.prepareStackTrace was installed before ours (vitest's, source-map-support),
// else Node's module.findSourceMap (tsx, --enable-source-maps), else as V8 gives
// them. Mapped positions are cached by raw position.
//
// Never touches: the heap. No allocation in linear memory, no Python object.

/** One frame as _tracemalloc gives it: (filename, lineno). */
export type FrameTuple = readonly [filename: string, lineno: number];

/**
 * A traceback as _tracemalloc stores it (traceback_t): frames from the most recent
 * to the oldest, at most max_nframe of them, and how many user frames the stack had
 * (within the captured window, see WINDOW_SLACK).
 */
export interface TracebackRecord {
  readonly frames: readonly FrameTuple[];
  readonly total_nframe: number;
  /** interning key (raw positions); kept for the memory estimate */
  readonly key: string;
}

/** frames captured beyond nframe, for pyheap's own frames above the user's */
const WINDOW_SLACK = 10;

/** CPython's "<unknown>" frame (tracemalloc_get_frame with no code object) */
export const UNKNOWN_FRAME: FrameTuple = Object.freeze(["<unknown>", 0] as const);

type CallSite = NodeJS.CallSite;
type Prepare = ((err: Error, sites: CallSite[]) => unknown) | undefined;

interface SourceMapLike {
  findEntry(line: number, column: number): { originalSource?: string; originalLine?: number } | Record<string, never>;
}
interface NodeModuleLike {
  findSourceMap?(path: string): SourceMapLike | undefined;
}

const returnSites = (_err: Error, sites: CallSite[]): CallSite[] => sites;

/** A file URL as a path; anything else unchanged. */
export function normalize_file(name: string): string {
  if (name.startsWith("file://")) {
    try {
      return decodeURIComponent(new URL(name).pathname);
    } catch {
      return name;
    }
  }
  return name;
}

/**
 * The prefixes of pyheap's own source: <package root>/src/ and <package root>/dist/.
 * `moduleUrl` is this module's import.meta.url; where a bundler left none, the file of
 * the current stack's first frame (this code's own file) stands in, and failing that
 * no frame is taken for pyheap's own.
 */
export function own_prefixes(moduleUrl: string | undefined): string[] {
  const url = typeof moduleUrl === "string" && moduleUrl !== "" ? moduleUrl : own_file_from_stack();
  if (url === null) return [];
  const self = normalize_file(url);
  const cut = Math.max(self.lastIndexOf("/src/"), self.lastIndexOf("/dist/"));
  if (cut < 0) return [self];
  const root = self.slice(0, cut + 1);
  return [root + "src/", root + "dist/"];
}

/** The file of the caller's own frame, from a structured V8 stack, or null elsewhere. */
function own_file_from_stack(): string | null {
  const E = Error as unknown as { prepareStackTrace: Prepare; captureStackTrace?(o: object): void };
  if (typeof E.captureStackTrace !== "function") return null;
  const prev = E.prepareStackTrace;
  E.prepareStackTrace = returnSites;
  const holder = {} as { stack: CallSite[] };
  let sites: unknown;
  try {
    E.captureStackTrace(holder);
    sites = holder.stack; // formatted lazily, on this first read: while returnSites is in place
  } finally {
    E.prepareStackTrace = prev;
  }
  // a host may hand back its own formatting (a string) instead of the call sites
  if (!Array.isArray(sites) || sites.length === 0) return null;
  const file = (sites[0] as CallSite).getFileName();
  return typeof file === "string" && file !== "" ? file : null;
}

/** Node's builtin module `name`, or null outside Node. */
export function node_builtin<T>(name: string): T | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  if (p === undefined || typeof p.getBuiltinModule !== "function") return null;
  try {
    return (p.getBuiltinModule(name) as T) ?? null;
  } catch {
    return null;
  }
}

/** the position in a formatted frame: "at fn (file:line:col)", "at file:line:col", "at async file:line:col" */
const AT_LINE = /^\s*at (?:async )?(?:.*?\()?(.+):(\d+):\d+\)?\s*$/;

/**
 * The stack sampler of one tracemalloc module: captures, filters, interns and maps
 * tracebacks. `reset()` drops the interned tracebacks (clear_traces / stop); the
 * cache of mapped positions survives (it is the equivalent of linecache).
 */
export class StackSampler {
  /** raw V8 file name -> normalized name, or null for a frame that is not the user's */
  readonly #fileKind = new Map<string, string | null>();
  /** raw position "file:line:col" -> mapped frame */
  readonly #positions = new Map<string, FrameTuple>();
  /** raw key -> interned traceback */
  readonly #interned = new Map<string, TracebackRecord>();
  readonly #own: string[];
  #nodeModule: NodeModuleLike | null | undefined = undefined;
  /** traceback frames to keep (tracemalloc's max_nframe) */
  nframe = 1;

  constructor(ownPrefixes: string[]) {
    this.#own = ownPrefixes;
  }

  /** number of interned tracebacks */
  get size(): number {
    return this.#interned.size;
  }

  /** number of cached mapped positions */
  get positions(): number {
    return this.#positions.size;
  }

  /** the interned tracebacks (for the memory estimate) */
  records(): IterableIterator<TracebackRecord> {
    return this.#interned.values();
  }

  reset(): void {
    this.#interned.clear();
  }

  /**
   * The traceback of the current stack, frames above and including `above` left
   * out (the tracing allocator's entry point). Interned: equal stacks give the
   * same record.
   */
  capture(above: Function): TracebackRecord {
    const E = Error as unknown as {
      prepareStackTrace: Prepare;
      stackTraceLimit: number;
      captureStackTrace(o: object, f?: Function): void;
    };
    // an engine without V8's structured stacks: CPython's frame of unknown origin
    if (typeof E.captureStackTrace !== "function") return this.#unknown();
    const nframe = this.nframe;
    let window = nframe + WINDOW_SLACK;
    const prevPrepare = E.prepareStackTrace;
    const prevLimit = E.stackTraceLimit;
    for (;;) {
      E.prepareStackTrace = returnSites;
      E.stackTraceLimit = window;
      const holder = {} as { stack: CallSite[] };
      E.captureStackTrace(holder, above);
      const sites = holder.stack;
      E.prepareStackTrace = prevPrepare;
      E.stackTraceLimit = prevLimit;
      if (!Array.isArray(sites)) return this.#unknown(); // the host formatted the stack itself

      // pick the first nframe user frames; count them all (total_nframe)
      let key = "";
      let picked = 0;
      let total = 0;
      const fileKind = this.#fileKind;
      for (let i = 0; i < sites.length; i++) {
        const site = sites[i];
        const raw = site.getFileName();
        if (raw === undefined || raw === null) continue;
        let file = fileKind.get(raw);
        if (file === undefined) {
          file = this.#classify(raw);
          fileKind.set(raw, file);
        }
        if (file === null) continue;
        total++;
        if (picked < nframe) {
          key += raw + ":" + site.getLineNumber() + ":" + site.getColumnNumber() + "\n";
          picked++;
        }
      }
      if (picked < nframe && sites.length === window && window < 1 << 20) {
        window *= 4;
        continue;
      }
      key += total;
      const found = this.#interned.get(key);
      if (found !== undefined) return found;
      const rec = this.#build(key, sites, nframe, total, prevPrepare);
      this.#interned.set(key, rec);
      return rec;
    }
  }

  /** the one traceback of an engine without structured stacks: [<unknown>:0], interned */
  #unknown(): TracebackRecord {
    const key = "<unknown>";
    let rec = this.#interned.get(key);
    if (rec === undefined) {
      rec = { frames: Object.freeze([UNKNOWN_FRAME]), total_nframe: 1, key };
      this.#interned.set(key, rec);
    }
    return rec;
  }

  /** null for pyheap's own files and Node's; otherwise the file as a path */
  #classify(raw: string): string | null {
    if (raw.startsWith("node:")) return null;
    const file = normalize_file(raw);
    for (const p of this.#own) if (file.startsWith(p)) return null;
    return file;
  }

  #build(key: string, sites: CallSite[], nframe: number, total: number, prevPrepare: Prepare): TracebackRecord {
    const frames: FrameTuple[] = [];
    for (let i = 0; i < sites.length && frames.length < nframe; i++) {
      const site = sites[i];
      const raw = site.getFileName();
      if (raw === undefined || raw === null) continue;
      const file = this.#fileKind.get(raw);
      if (file === null || file === undefined) continue;
      frames.push(this.#map(site, raw, file, prevPrepare));
    }
    if (frames.length === 0) frames.push(UNKNOWN_FRAME);
    return { frames: Object.freeze(frames), total_nframe: total === 0 ? 1 : total, key };
  }

  /** the original (file, line) of a call site, cached by raw position */
  #map(site: CallSite, raw: string, file: string, prevPrepare: Prepare): FrameTuple {
    const line = site.getLineNumber() ?? 0;
    const col = site.getColumnNumber() ?? 0;
    const pkey = raw + ":" + line + ":" + col;
    const cached = this.#positions.get(pkey);
    if (cached !== undefined) return cached;
    let mapped: FrameTuple | null = null;
    if (typeof prevPrepare === "function") {
      // the source-map-aware formatter installed before ours (vitest, source-map-support)
      try {
        const text = prevPrepare(new Error(), [site]);
        if (typeof text === "string") {
          const lines = text.split("\n");
          const m = AT_LINE.exec(lines[lines.length - 1]);
          if (m !== null) mapped = Object.freeze([normalize_file(m[1]), Number(m[2])] as const);
        }
      } catch {
        mapped = null;
      }
    }
    if (mapped === null) mapped = this.#mapWithNode(raw, file, line, col);
    if (mapped === null) mapped = Object.freeze([file, line] as const);
    this.#positions.set(pkey, mapped);
    return mapped;
  }

  /** Node's source maps (enabled by tsx or --enable-source-maps), if any */
  #mapWithNode(raw: string, file: string, line: number, col: number): FrameTuple | null {
    if (this.#nodeModule === undefined) this.#nodeModule = node_builtin<NodeModuleLike>("node:module");
    const mod = this.#nodeModule;
    if (mod === null || typeof mod.findSourceMap !== "function") return null;
    try {
      const sm = mod.findSourceMap(raw);
      if (sm === undefined) return null;
      const e = sm.findEntry(line - 1, col - 1) as { originalSource?: string; originalLine?: number };
      if (e.originalSource === undefined || e.originalLine === undefined) return null;
      let src = e.originalSource;
      if (!src.startsWith("/") && !src.includes("://")) {
        src = new URL(src, raw.includes("://") ? raw : "file://" + file).href;
      }
      return Object.freeze([normalize_file(src), e.originalLine + 1] as const);
    } catch {
      return null;
    }
  }
}
