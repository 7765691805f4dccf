// === tracemalloc: snapshots, statistics, filters (layer 3, src/tracemalloc) ===
//
// Ports, from CPython 3.11 Lib/tracemalloc.py: Frame, Traceback (frames from the
// oldest to the most recent; str() is its first frame), Trace, Statistic,
// StatisticDiff (their __str__ and __repr__ texts), _compare_grouped_stats,
// Filter and DomainFilter (fnmatch patterns, all_frames, domain), and Snapshot
// (filter_traces, _group_by for "traceback" / "lineno" / "filename", cumulative
// or not, statistics and compare_to sorted by the same keys, dump and load).
//
// A trace inside a snapshot is kept as _tracemalloc._get_traces returns it:
// (domain, size, frames from the most recent to the oldest, total_nframe); the
// user-facing objects are built from it on demand. Snapshot.dump writes JSON, not
// a pickle (there is no pickle here); Snapshot.load reads it back.
//
// Never touches: the heap. A snapshot is plain JS data and outlives the heap.

import { PyError } from "../heap/errors.js";
import { _format_size, fnmatch_compile, py_int, py_repr, py_repr_str, py_type_name } from "./format.js";
import { node_builtin, type FrameTuple } from "./frames.js";

/** tracemalloc's DEFAULT_DOMAIN: every allocation of the heap is in it */
export const DEFAULT_DOMAIN = 0;

/** The traceback part of a raw trace (interned by the tracer, shared by traces). */
export interface RawTraceback {
  /** most recent frame first, as _tracemalloc stores them */
  readonly frames: readonly FrameTuple[];
  readonly total_nframe: number | null;
}

/** A trace as _tracemalloc._get_traces gives it: (domain, size, traceback, total_nframe). */
export interface RawTrace {
  readonly domain: number;
  readonly size: number;
  readonly traceback: RawTraceback;
}

export type KeyType = "traceback" | "lineno" | "filename";

// ------------------------------------------------------------------ Frame

/** Lib/tracemalloc.py Frame: one (filename, lineno). */
export class Frame {
  readonly filename: string;
  readonly lineno: number;
  constructor(frame: FrameTuple) {
    this.filename = frame[0];
    this.lineno = frame[1];
  }
  equals(other: Frame): boolean {
    return other instanceof Frame && other.filename === this.filename && other.lineno === this.lineno;
  }
  toString(): string {
    return `${this.filename}:${this.lineno}`;
  }
  repr(): string {
    return `<Frame filename=${py_repr_str(this.filename)} lineno=${this.lineno}>`;
  }
}

function compare_frames(a: FrameTuple, b: FrameTuple): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] - b[1];
}

/** tuple comparison of two frame sequences (oldest first) */
function compare_frame_seqs(a: readonly FrameTuple[], b: readonly FrameTuple[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compare_frames(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function frames_key(frames: readonly FrameTuple[]): string {
  let k = "";
  for (const f of frames) k += f[0] + "\0" + f[1] + "\u0001";
  return k;
}

// ------------------------------------------------------------------ Traceback

/** Node's readFileSync, or null outside Node */
function read_text(filename: string): string | null {
  const fs = node_builtin<{ readFileSync(p: string, enc: string): string }>("node:fs");
  if (fs === null) return null;
  try {
    return fs.readFileSync(filename, "utf8");
  } catch {
    return null;
  }
}

/** linecache.getline(filename, lineno): the line, or "" */
function getline(filename: string, lineno: number): string {
  if (lineno < 1) return "";
  const text = read_text(filename);
  if (text === null) return "";
  const lines = text.split("\n");
  return lineno <= lines.length ? lines[lineno - 1] : "";
}

/**
 * Lib/tracemalloc.py Traceback: a sequence of Frames from the oldest to the most
 * recent (`tb[0]`, `tb.length`, iteration). str() is the oldest frame's text.
 */
export class Traceback implements Iterable<Frame> {
  readonly [index: number]: Frame;
  /** oldest first */
  readonly #frames: readonly FrameTuple[];
  readonly total_nframe: number | null;
  /** @internal grouping key (the frames) */
  readonly _key: string;

  /** `frames` as _tracemalloc gives them: most recent first (they are reversed, as in Python). */
  constructor(frames: readonly FrameTuple[], total_nframe: number | null = null) {
    const f = frames.slice().reverse();
    this.#frames = f;
    this.total_nframe = total_nframe;
    this._key = frames_key(f);
    for (let i = 0; i < f.length; i++) {
      Object.defineProperty(this, i, { value: new Frame(f[i]), enumerable: true });
    }
  }

  get length(): number {
    return this.#frames.length;
  }

  /** the Frames, oldest first */
  get frames(): Frame[] {
    return Array.from(this);
  }

  /** @internal the (filename, lineno) tuples, oldest first */
  get _frames(): readonly FrameTuple[] {
    return this.#frames;
  }

  *[Symbol.iterator](): Iterator<Frame> {
    for (let i = 0; i < this.#frames.length; i++) yield this[i];
  }

  equals(other: Traceback): boolean {
    return other instanceof Traceback && other._key === this._key;
  }

  /** Traceback.__lt__ etc.: tuple comparison of the frames */
  compare(other: Traceback): number {
    return compare_frame_seqs(this.#frames, other.#frames);
  }

  toString(): string {
    if (this.#frames.length === 0) throw new PyError("IndexError", "tuple index out of range");
    return String(this[0]);
  }

  repr(): string {
    const items = Array.from(this, (f) => f.repr());
    const tuple = items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
    return this.total_nframe === null ? `<Traceback ${tuple}>` : `<Traceback ${tuple} total_nframe=${this.total_nframe}>`;
  }

  /**
   * Traceback.format(limit=None, most_recent_first=False): `  File "f", line n`
   * lines, each followed by the stripped source line when the file can be read.
   */
  format(limit: number | null = null, most_recent_first = false): string[] {
    let frames: Frame[] = Array.from(this);
    if (limit !== null && limit !== undefined) {
      frames = limit > 0 ? frames.slice(Math.max(0, frames.length - limit)) : frames.slice(0, Math.max(0, frames.length + limit));
    }
    if (most_recent_first) frames.reverse();
    const lines: string[] = [];
    for (const frame of frames) {
      lines.push(`  File "${frame.filename}", line ${frame.lineno}`);
      const line = getline(frame.filename, frame.lineno).trim();
      if (line !== "") lines.push(`    ${line}`);
    }
    return lines;
  }
}

// ------------------------------------------------------------------ Trace, statistics

/** Lib/tracemalloc.py Trace: one traced memory block. */
export class Trace {
  readonly domain: number;
  readonly size: number;
  readonly #raw: RawTraceback;
  #tb: Traceback | null = null;
  constructor(raw: RawTrace) {
    this.domain = raw.domain;
    this.size = raw.size;
    this.#raw = raw.traceback;
  }
  get traceback(): Traceback {
    if (this.#tb === null) this.#tb = new Traceback(this.#raw.frames, this.#raw.total_nframe);
    return this.#tb;
  }
  toString(): string {
    return `${this.traceback}: ${_format_size(this.size, false)}`;
  }
  repr(): string {
    return `<Trace domain=${this.domain} size=${_format_size(this.size, false)}, traceback=${this.traceback.repr()}>`;
  }
}

/** Lib/tracemalloc.py Statistic */
export class Statistic {
  constructor(
    readonly traceback: Traceback,
    public size: number,
    public count: number,
  ) {}
  toString(): string {
    let text = `${this.traceback}: size=${_format_size(this.size, false)}, count=${py_int(this.count)}`;
    if (this.count) text += `, average=${_format_size(this.size / this.count, false)}`;
    return text;
  }
  repr(): string {
    return `<Statistic traceback=${this.traceback.repr()} size=${py_int(this.size)} count=${py_int(this.count)}>`;
  }
  equals(o: Statistic): boolean {
    return o instanceof Statistic && o.traceback.equals(this.traceback) && o.size === this.size && o.count === this.count;
  }
}

/** Lib/tracemalloc.py StatisticDiff */
export class StatisticDiff {
  constructor(
    readonly traceback: Traceback,
    readonly size: number,
    readonly size_diff: number,
    readonly count: number,
    readonly count_diff: number,
  ) {}
  toString(): string {
    let text =
      `${this.traceback}: size=${_format_size(this.size, false)} (${_format_size(this.size_diff, true)}), ` +
      `count=${py_int(this.count)} (${py_int(this.count_diff, true)})`;
    if (this.count) text += `, average=${_format_size(this.size / this.count, false)}`;
    return text;
  }
  repr(): string {
    return (
      `<StatisticDiff traceback=${this.traceback.repr()} size=${py_int(this.size)} (${py_int(this.size_diff, true)}) ` +
      `count=${py_int(this.count)} (${py_int(this.count_diff, true)})>`
    );
  }
}

/** sorted(reverse=True, key=Statistic._sort_key): (size, count, traceback) descending */
function statistic_order(a: Statistic, b: Statistic): number {
  return b.size - a.size || b.count - a.count || b.traceback.compare(a.traceback);
}

/** sorted(reverse=True, key=StatisticDiff._sort_key) */
function diff_order(a: StatisticDiff, b: StatisticDiff): number {
  return (
    Math.abs(b.size_diff) - Math.abs(a.size_diff) ||
    b.size - a.size ||
    Math.abs(b.count_diff) - Math.abs(a.count_diff) ||
    b.count - a.count ||
    b.traceback.compare(a.traceback)
  );
}

// ------------------------------------------------------------------ filters

/** What filter_traces accepts: Filter, DomainFilter, or any object with `inclusive` and `_match(trace)`. */
export interface BaseFilter {
  inclusive: boolean;
  _match(trace: RawTrace): boolean;
}

/** _normalize_filename: os.path.normcase (the identity on POSIX), then ".pyc" -> ".py" */
function normalize_filename(filename: unknown): string {
  if (typeof filename !== "string") {
    throw new PyError("TypeError", `expected str, bytes or os.PathLike object, not ${py_type_name(filename)}`);
  }
  return filename.endsWith(".pyc") ? filename.slice(0, -1) : filename;
}

/** Lib/tracemalloc.py Filter(inclusive, filename_pattern, lineno=None, all_frames=False, domain=None) */
export class Filter implements BaseFilter {
  inclusive: boolean;
  lineno: number | null;
  all_frames: boolean;
  domain: number | null;
  readonly #pattern: string;
  readonly #re: RegExp;

  constructor(
    inclusive: boolean,
    filename_pattern: string,
    lineno: number | null = null,
    all_frames = false,
    domain: number | null = null,
  ) {
    this.inclusive = inclusive;
    this.#pattern = normalize_filename(filename_pattern);
    this.#re = fnmatch_compile(this.#pattern);
    this.lineno = lineno ?? null;
    this.all_frames = all_frames;
    this.domain = domain ?? null;
  }

  get filename_pattern(): string {
    return this.#pattern;
  }

  #match_frame_impl(filename: string, lineno: number): boolean {
    if (!this.#re.test(normalize_filename(filename))) return false;
    return this.lineno === null ? true : lineno === this.lineno;
  }

  #match_traceback(frames: readonly FrameTuple[]): boolean {
    if (this.all_frames) {
      for (const f of frames) if (this.#match_frame_impl(f[0], f[1])) return !!this.inclusive;
      return !this.inclusive;
    }
    const f = frames[0];
    return this.#match_frame_impl(f[0], f[1]) !== !this.inclusive;
  }

  _match(trace: RawTrace): boolean {
    const res = this.#match_traceback(trace.traceback.frames);
    if (this.domain !== null) {
      return this.inclusive ? res && trace.domain === this.domain : res || trace.domain !== this.domain;
    }
    return res;
  }
}

/** Lib/tracemalloc.py DomainFilter(inclusive, domain) */
export class DomainFilter implements BaseFilter {
  inclusive: boolean;
  readonly #domain: number;
  constructor(inclusive: boolean, domain: number) {
    this.inclusive = inclusive;
    this.#domain = domain;
  }
  get domain(): number {
    return this.#domain;
  }
  _match(trace: RawTrace): boolean {
    return (trace.domain === this.#domain) !== !this.inclusive;
  }
}

// ------------------------------------------------------------------ Snapshot

/** Lib/tracemalloc.py Snapshot */
export class Snapshot {
  readonly traceback_limit: number;
  /** @internal the raw traces */
  readonly _traces: readonly RawTrace[];
  #traces: readonly Trace[] | null = null;

  constructor(traces: readonly RawTrace[], traceback_limit: number) {
    this._traces = traces;
    this.traceback_limit = traceback_limit;
  }

  /** the traces (a sequence of Trace, built on first use) */
  get traces(): readonly Trace[] {
    if (this.#traces === null) this.#traces = Object.freeze(this._traces.map((t) => new Trace(t)));
    return this.#traces;
  }

  /**
   * A new Snapshot with the traces that pass `filters` (Filter / DomainFilter):
   * at least one inclusive filter must match, and every exclusive one must.
   * An empty list copies the traces.
   */
  filter_traces(filters: Iterable<BaseFilter>): Snapshot {
    if (filters === null || filters === undefined || typeof (filters as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
      throw new PyError("TypeError", `filters must be a list of filters, not ${py_type_name(filters)}`);
    }
    const list = Array.from(filters);
    if (list.length === 0) return new Snapshot(this._traces.slice(), this.traceback_limit);
    const include: BaseFilter[] = [];
    const exclude: BaseFilter[] = [];
    for (const f of list) {
      if (f === null || typeof f !== "object" || !("inclusive" in f) || typeof f._match !== "function") {
        throw new PyError("AttributeError", `'${py_type_name(f)}' object has no attribute 'inclusive'`);
      }
      if (f.inclusive) include.push(f);
      else exclude.push(f);
    }
    const kept = this._traces.filter((trace) => {
      if (include.length !== 0 && !include.some((f) => f._match(trace))) return false;
      if (exclude.length !== 0 && exclude.some((f) => !f._match(trace))) return false;
      return true;
    });
    return new Snapshot(kept, this.traceback_limit);
  }

  /** Snapshot._group_by: Statistic by grouping key, in first-seen order */
  _group_by(key_type: KeyType, cumulative = false): Map<string, Statistic> {
    if (key_type !== "traceback" && key_type !== "filename" && key_type !== "lineno") {
      throw new PyError("ValueError", `unknown key_type: ${py_repr(key_type)}`);
    }
    if (cumulative && key_type !== "lineno" && key_type !== "filename") {
      throw new PyError("ValueError", `cumulative mode cannot by used with key type ${py_repr(key_type)}`);
    }
    const stats = new Map<string, Statistic>();
    const add = (tb: Traceback, size: number): void => {
      const stat = stats.get(tb._key);
      if (stat !== undefined) {
        stat.size += size;
        stat.count += 1;
      } else {
        stats.set(tb._key, new Statistic(tb, size, 1));
      }
    };
    // the grouping Traceback per interned traceback or frame (_group_by's `tracebacks` cache)
    const tracebacks = new Map<RawTraceback | FrameTuple, Traceback>();
    if (!cumulative) {
      for (const trace of this._traces) {
        const raw = trace.traceback;
        let tb = tracebacks.get(raw);
        if (tb === undefined) {
          const frames =
            key_type === "traceback"
              ? raw.frames
              : key_type === "lineno"
                ? raw.frames.slice(0, 1)
                : [[raw.frames[0][0], 0] as const];
          tb = new Traceback(frames);
          tracebacks.set(raw, tb);
        }
        add(tb, trace.size);
      }
    } else {
      for (const trace of this._traces) {
        for (const frame of trace.traceback.frames) {
          let tb = tracebacks.get(frame);
          if (tb === undefined) {
            tb = new Traceback(key_type === "lineno" ? [frame] : [[frame[0], 0] as const]);
            tracebacks.set(frame, tb);
          }
          add(tb, trace.size);
        }
      }
    }
    return stats;
  }

  /** Statistics grouped by key_type, sorted by size, then count, then traceback (descending). */
  statistics(key_type: KeyType, cumulative = false): Statistic[] {
    const list = Array.from(this._group_by(key_type, cumulative).values());
    return list.sort(statistic_order);
  }

  /** Differences with an older snapshot, grouped by key_type, biggest change first. */
  compare_to(old_snapshot: Snapshot, key_type: KeyType, cumulative = false): StatisticDiff[] {
    if (!(old_snapshot instanceof Snapshot)) {
      throw new PyError("AttributeError", `'${py_type_name(old_snapshot)}' object has no attribute '_group_by'`);
    }
    const newGroup = this._group_by(key_type, cumulative);
    const oldGroup = old_snapshot._group_by(key_type, cumulative);
    const out: StatisticDiff[] = [];
    for (const [key, stat] of newGroup) {
      const prev = oldGroup.get(key);
      if (prev !== undefined) {
        oldGroup.delete(key);
        out.push(new StatisticDiff(stat.traceback, stat.size, stat.size - prev.size, stat.count, stat.count - prev.count));
      } else {
        out.push(new StatisticDiff(stat.traceback, stat.size, stat.size, stat.count, stat.count));
      }
    }
    for (const stat of oldGroup.values()) {
      out.push(new StatisticDiff(stat.traceback, 0, -stat.size, 0, -stat.count));
    }
    return out.sort(diff_order);
  }

  /** Write the snapshot to `filename` (JSON; Node only). */
  dump(filename: string): void {
    const fs = node_builtin<{ writeFileSync(p: string, data: string): void }>("node:fs");
    if (fs === null) throw new PyError("OSError", "Snapshot.dump needs a file system (Node)");
    const data = {
      format: "pyheap.tracemalloc.Snapshot/1",
      traceback_limit: this.traceback_limit,
      traces: this._traces.map((t) => [t.domain, t.size, t.traceback.frames, t.traceback.total_nframe]),
    };
    fs.writeFileSync(filename, JSON.stringify(data));
  }

  /** Read a snapshot written by dump(). */
  static load(filename: string): Snapshot {
    const fs = node_builtin<{ readFileSync(p: string, enc: string): string }>("node:fs");
    if (fs === null) throw new PyError("OSError", "Snapshot.load needs a file system (Node)");
    const data = JSON.parse(fs.readFileSync(filename, "utf8")) as {
      traceback_limit: number;
      traces: [number, number, [string, number][], number | null][];
    };
    const interned = new Map<string, RawTraceback>();
    const traces: RawTrace[] = data.traces.map(([domain, size, frames, total]) => {
      const key = frames_key(frames) + "#" + total;
      let tb = interned.get(key);
      if (tb === undefined) {
        tb = { frames: frames.map((f) => Object.freeze([f[0], f[1]] as const)), total_nframe: total };
        interned.set(key, tb);
      }
      return { domain, size, traceback: tb };
    });
    return new Snapshot(traces, data.traceback_limit);
  }
}
