// WeakValueDictionary, WeakKeyDictionary, WeakSet (refcount death, iteration
// guards, the methods reachable through getattr), WeakMethod and finalize, against
// python3 on both twins, with a leak check after each test.

import type { Ref } from "../../src/heap/state";
import { describeScenarios, T, type Scenario } from "./_harness";

const S: Record<string, Scenario> = {};

/** repr() of a Python str */
function pyrepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, "\\\\").replace(new RegExp(q, "g"), "\\" + q) + q;
}

/** "KeyError('x')": how repr(e) shows the error `t.err` reports (a KeyError's text is already repr(key)) */
function excRepr(e: string): string {
  const i = e.indexOf(":");
  const type = e.slice(0, i);
  const msg = e.slice(i + 2);
  return `${type}(${type === "KeyError" ? msg : pyrepr(msg)})`;
}

S.wvd_basic = {
  py: `
    class V: pass
    d = weakref.WeakValueDictionary()
    a, b, c = V(), V(), V()
    d['a'] = a; d['b'] = b; d[1] = c
    out.append([len(d), 'a' in d, 'zz' in d, d['a'] is a, d.get('zz', 7), d.get('b') is b, sorted(map(str, d.keys()))])
    out.append([type(d.keys()).__name__, sys.getrefcount(a), len(d.valuerefs())])
    del b
    out.append([len(d), 'b' in d, d.get('b')])
    try:
        d['b']
    except KeyError as e:
        out.append(repr(e))
    out.append(d.pop('a') is a)
    for f in [lambda: d.pop('a'), lambda: d[[]], lambda: d.popitem() and weakref.WeakValueDictionary().popitem()]:
        try:
            f()
            out.append('ok')
        except (KeyError, TypeError) as e:
            out.append(repr(e))
    out.append(d.pop('a', 'dflt'))
    d[1] = c
    out.append([d.setdefault(1, a) is c, d.setdefault(2, a) is a, len(d)])
    k, v = d.popitem()
    out.append([k, v is a])
    d.update({'x': a}, y=c)
    d.update([('z', c)])
    out.append(sorted(map(str, d)))
    d2 = d.copy()
    out.append([type(d2).__name__, len(d2), d2 == d, d2 != d, d2 == {}, d2['x'] is a])
    del d2
    out.append(repr(d).startswith('<WeakValueDictionary at 0x'))
    try:
        hash(d)
    except TypeError as e:
        out.append(str(e))
    d.clear()
    out.append(len(d))
    try:
        d['q'] = 1
    except TypeError as e:
        out.append(str(e))
    d3 = weakref.WeakValueDictionary({'k': a}, j=c)
    out.append(sorted(d3))
  `,
  ts(t, out) {
    const h = t.h;
    const V = t.cls("V");
    const d = t.wr.WeakValueDictionary();
    const a = t.new(V);
    let b = t.new(V);
    const c = t.new(V);
    const [ka, kb, k1, kzz, kx, ky, kz, k2, kq] = ["a", "b", 1, "zz", "x", "y", "z", 2, "q"].map((k) => (typeof k === "number" ? t.int(k) : t.str(k)));
    t.setitem(d, ka, a);
    t.setitem(d, kb, b);
    t.setitem(d, k1, c);
    const keys = (): string[] => t.items(d).map((x) => String(t.take(x))).sort();
    const seven = t.int(7);
    out.push([t.len(d), t.contains(d, ka), t.contains(d, kzz), t.take(t.getitem(d, ka)) !== null && true, t.take(t.meth(d, "get", kzz, seven)), (() => { const x = t.meth(d, "get", kb); t.dec(x); return x === b; })(), keys()]);
    const kg = t.meth(d, "keys");
    const vr = t.meth(d, "valuerefs");
    out.push([t.typeName(kg), t.rc(a), t.len(vr)]);
    t.dec(kg, vr);
    t.dec(b);
    b = 0;
    out.push([t.len(d), t.contains(d, kb), t.take(t.meth(d, "get", kb))]);
    out.push(excRepr(t.err(() => t.getitem(d, kb))));
    const pa = t.meth(d, "pop", ka);
    out.push(pa === a);
    t.dec(pa);
    const emptyList = t.list([]);
    const other = t.wr.WeakValueDictionary();
    for (const f of [() => t.meth(d, "pop", ka), () => t.getitem(d, emptyList), () => { t.dec(t.meth(d, "popitem")); return t.meth(other, "popitem"); }]) {
      const e = t.err(f);
      out.push(e === "ok" ? "ok" : excRepr(e));
    }
    t.dec(emptyList, other);
    const dflt = t.str("dflt");
    out.push(t.take(t.meth(d, "pop", ka, dflt)));
    t.setitem(d, k1, c);
    const s1 = t.meth(d, "setdefault", k1, a);
    const s2 = t.meth(d, "setdefault", k2, a);
    out.push([s1 === c, s2 === a, t.len(d)]);
    t.dec(s1, s2);
    const pi = t.meth(d, "popitem");
    const pk = t.getitem(pi, t.int(0));
    const pv = t.getitem(pi, t.int(1));
    out.push([t.js(pk), pv === a]);
    t.dec(pi, pk, pv);
    const upd = t.new(h.T.dict.ref);
    t.setitem(upd, kx, a);
    const updm = t.get(d, "update");
    t.dec(t.callKw(updm, [upd], { y: c }));
    const pair = t.tuple([kz, c]);
    const pairs = t.list([pair]);
    t.dec(t.call(updm, pairs));
    t.dec(updm, upd, pairs, pair);
    out.push(keys());
    const d2 = t.meth(d, "copy");
    const emptyDict = t.new(h.T.dict.ref);
    const d2x = t.getitem(d2, kx);
    out.push([t.typeName(d2), t.len(d2), t.compare(d2, d, "=="), t.compare(d2, d, "!="), t.compare(d2, emptyDict, "=="), d2x === a]);
    t.dec(d2, d2x, emptyDict);
    out.push(t.repr(d).startsWith("<WeakValueDictionary at 0x"));
    out.push(t.err(() => t.hash(d)).replace(/^TypeError: /, ""));
    t.dec(t.meth(d, "clear"));
    out.push(t.len(d));
    const one = t.int(1);
    out.push(t.err(() => t.setitem(d, kq, one)).replace(/^TypeError: /, ""));
    const init = t.new(h.T.dict.ref);
    const kk = t.str("k");
    t.setitem(init, kk, a);
    const d3 = t.callKw(t.wr.WeakValueDictionaryType, [init], { j: c });
    out.push(t.items(d3).map((x) => String(t.take(x))).sort());
    t.dec(d3, init, kk, dflt, d, a, c, ka, kb, k1, kzz, kx, ky, kz, k2, kq, V);
  },
};

S.wvd_iteration_guard = {
  py: `
    class V: pass
    vals = [V() for i in range(5)]
    d = weakref.WeakValueDictionary({i: v for i, v in enumerate(vals)})
    it = d.items()
    out.append(len(d._iterating))
    first = next(it)
    out.append([first[0], len(d._iterating)])
    del first
    vals[3] = None
    out.append([len(d._pending_removals), len(d.data)])
    out.append([k for k, v in it])
    out.append([len(d._pending_removals), len(d.data), len(d), len(d._iterating)])
    it = d.items()
    next(it)
    vals[1] = None
    out.append([len(d._pending_removals), len(d)])
    try:
        list(it)
    except RuntimeError as e:
        out.append(str(e))
    out.append([len(d._iterating), len(d)])
    it = d.values()
    x = next(it)
    vals[2] = None
    out.append(len(d._pending_removals))
    del it
    out.append([len(d._pending_removals), len(d._iterating), len(d)])
    vr = list(d.itervaluerefs())
    out.append([type(vr[0]).__name__, vr[0].key, vr[0]() is vals[0]])
  `,
  ts(t, out) {
    const V = t.cls("V");
    const vals = t.list([]);
    for (let i = 0; i < 5; i++) {
      const v = t.new(V);
      t.dec(t.meth(vals, "append", v));
      t.dec(v);
    }
    const init = t.new(t.h.T.dict.ref);
    for (let i = 0; i < 5; i++) {
      const v = t.getitem(vals, t.int(i));
      t.setitem(init, t.int(i), v);
      t.dec(v);
    }
    const d = t.wr.WeakValueDictionary(init);
    t.dec(init);
    const n = (name: string): number => {
      const x = t.get(d, name);
      const r = t.len(x);
      t.dec(x);
      return r;
    };
    let it = t.meth(d, "items");
    out.push(n("_iterating"));
    let first = t.next(it)!;
    out.push([t.js(first)![0 as never], n("_iterating")]);
    t.dec(first);
    t.setitem(vals, t.int(3), t.h.None);
    out.push([n("_pending_removals"), n("data")]);
    out.push(t.items(it).map((x) => (t.take(x) as unknown[])[0]));
    out.push([n("_pending_removals"), n("data"), t.len(d), n("_iterating")]);
    t.dec(it);
    it = t.meth(d, "items");
    t.dec(t.next(it)!);
    t.setitem(vals, t.int(1), t.h.None);
    out.push([n("_pending_removals"), t.len(d)]);
    out.push(t.err(() => t.items(it).forEach((x) => t.dec(x))).replace(/^RuntimeError: /, ""));
    out.push([n("_iterating"), t.len(d)]);
    t.dec(it);
    it = t.meth(d, "values");
    const x = t.next(it)!;
    t.setitem(vals, t.int(2), t.h.None);
    out.push(n("_pending_removals"));
    t.dec(it);
    out.push([n("_pending_removals"), n("_iterating"), t.len(d)]);
    const vrg = t.meth(d, "itervaluerefs");
    const vr = t.items(vrg);
    t.dec(vrg);
    const v0 = t.getitem(vals, t.int(0));
    const vr0 = t.wr.deref(vr[0]);
    out.push([t.typeName(vr[0]), t.take(t.get(vr[0], "key")), vr0 === v0]);
    t.dec(vr0, v0, x, ...vr, d, vals, V);
    first = 0;
  },
};

S.wkd_basic = {
  py: `
    class K: pass
    d = weakref.WeakKeyDictionary()
    k1, k2, k3 = K(), K(), K()
    d[k1] = 1; d[k2] = 2; d[k3] = 3
    out.append([len(d), k1 in d, 5 in d, d[k2], d.get(k3), d.get(K(), 'no')])
    try:
        d[K()]
    except KeyError:
        out.append('KeyError')
    d[k1] = 10
    out.append([len(d), d[k1], len(weakref.getweakrefs(k1)), weakref.getweakrefcount(k1)])
    del k2
    out.append([len(d), sorted(d.values())])
    out.append([len(d.keyrefs()), type(d.keyrefs()[0]).__name__])
    out.append([d.pop(k1), d.pop(k1, 'gone')])
    out.append([d.setdefault(k3, 99), d.setdefault(k1, 42)])
    k, v = d.popitem()
    out.append([k is k1, v])
    for f in [lambda: d.__setitem__(1, 2), lambda: d.get(1), lambda: d.pop(k1), lambda: weakref.WeakKeyDictionary().popitem()]:
        try:
            f()
            out.append('ok')
        except (KeyError, TypeError) as e:
            out.append(type(e).__name__ if isinstance(e, KeyError) and 'weakref' in str(e) else repr(e))
    d.update({k1: 5})
    d.update([(k3, 6)])
    out.append([d[k1], d[k3]])
    c = d.copy()
    out.append([type(c).__name__, len(c), c == d, sorted(c.values())])
    del c
    out.append(repr(d).startswith('<WeakKeyDictionary at 0x'))
    d.clear()
    out.append(len(d))
  `,
  ts(t, out) {
    const h = t.h;
    const K = t.cls("K");
    const d = t.wr.WeakKeyDictionary();
    const k1 = t.new(K);
    let k2 = t.new(K);
    const k3 = t.new(K);
    t.setitem(d, k1, t.int(1));
    t.setitem(d, k2, t.int(2));
    t.setitem(d, k3, t.int(3));
    const five = t.int(5);
    const tmpk = t.new(K);
    const no = t.str("no");
    out.push([t.len(d), t.contains(d, k1), t.contains(d, five), t.take(t.getitem(d, k2)), t.take(t.meth(d, "get", k3)), t.take(t.meth(d, "get", tmpk, no))]);
    t.dec(tmpk);
    const tmpk2 = t.new(K);
    out.push(t.err(() => t.getitem(d, tmpk2)).startsWith("KeyError") ? "KeyError" : "?");
    t.dec(tmpk2);
    t.setitem(d, k1, t.int(10));
    const wl = t.wr.getweakrefs(k1);
    out.push([t.len(d), t.take(t.getitem(d, k1)), t.len(wl), t.wr.getweakrefcount(k1)]);
    t.dec(wl);
    t.dec(k2);
    k2 = 0;
    const vals = t.meth(d, "values");
    out.push([t.len(d), (t.items(vals).map((x) => t.take(x)) as number[]).sort((x, y) => x - y)]);
    t.dec(vals);
    const kr = t.meth(d, "keyrefs");
    const kr0 = t.getitem(kr, t.int(0));
    out.push([t.len(kr), t.typeName(kr0).replace(/^weakref\./, "")]);
    t.dec(kr, kr0);
    const gone = t.str("gone");
    out.push([t.take(t.meth(d, "pop", k1)), t.take(t.meth(d, "pop", k1, gone))]);
    out.push([t.take(t.meth(d, "setdefault", k3, t.int(99))), t.take(t.meth(d, "setdefault", k1, t.int(42)))]);
    const pi = t.meth(d, "popitem");
    const pk = t.getitem(pi, t.int(0));
    const pv = t.getitem(pi, t.int(1));
    out.push([pk === k1, t.js(pv)]);
    t.dec(pi, pk, pv);
    const one = t.int(1);
    const empty = t.wr.WeakKeyDictionary();
    for (const f of [() => t.setitem(d, one, t.int(2)), () => t.meth(d, "get", one), () => t.meth(d, "pop", k1), () => t.meth(empty, "popitem")]) {
      const e = t.err(f);
      out.push(e === "ok" ? "ok" : e.startsWith("KeyError") && e.includes("weakref") ? "KeyError" : excRepr(e));
    }
    t.dec(empty);
    const upd = t.new(h.T.dict.ref);
    t.setitem(upd, k1, five);
    t.dec(t.meth(d, "update", upd));
    const pair = t.tuple([k3, t.int(6)]);
    const pairs = t.list([pair]);
    t.dec(t.meth(d, "update", pairs));
    t.dec(upd, pairs, pair);
    out.push([t.take(t.getitem(d, k1)), t.take(t.getitem(d, k3))]);
    const c = t.meth(d, "copy");
    const cv = t.meth(c, "values");
    out.push([t.typeName(c), t.len(c), t.compare(c, d, "=="), (t.items(cv).map((x) => t.take(x)) as number[]).sort((x, y) => x - y)]);
    t.dec(cv, c);
    out.push(t.repr(d).startsWith("<WeakKeyDictionary at 0x"));
    t.dec(t.meth(d, "clear"));
    out.push(t.len(d));
    t.dec(no, gone, d, k1, k3, K);
  },
};

S.wkd_guard_and_dirty_len = {
  py: `
    class K: pass
    keys = [K() for i in range(4)]
    d = weakref.WeakKeyDictionary()
    for i, k in enumerate(keys):
        d[k] = i
    del k
    it = d.items()
    k0, v0 = next(it)
    out.append(v0)
    keys[2] = None
    out.append([len(d._pending_removals), len(d), len(d.data), d._dirty_len])
    del d[keys[1]]
    out.append([d._dirty_len, len(d), len(d._pending_removals), d._dirty_len])
    try:
        list(it)
    except RuntimeError as e:
        out.append(str(e))
    out.append([len(d._pending_removals), len(d), len(d._iterating)])
    it = iter(d)
    next(it)
    keys[3] = None
    out.append([len(d), len(d.data)])
    del it
    out.append([len(d), len(d.data)])
  `,
  ts(t, out) {
    const K = t.cls("K");
    const keys = t.list([]);
    const d = t.wr.WeakKeyDictionary();
    for (let i = 0; i < 4; i++) {
      const k = t.new(K);
      t.dec(t.meth(keys, "append", k));
      t.setitem(d, k, t.int(i));
      t.dec(k);
    }
    const n = (name: string): number => {
      const x = t.get(d, name);
      const r = t.len(x);
      t.dec(x);
      return r;
    };
    const dirty = (): unknown => t.take(t.get(d, "_dirty_len"));
    let it = t.meth(d, "items");
    const first = t.next(it)!;
    out.push((t.js(first) as unknown[])[1]);
    t.setitem(keys, t.int(2), t.h.None);
    out.push([n("_pending_removals"), t.len(d), n("data"), dirty()]);
    const k1 = t.getitem(keys, t.int(1));
    t.delitem(d, k1);
    t.dec(k1);
    out.push([dirty(), t.len(d), n("_pending_removals"), dirty()]);
    out.push(t.err(() => t.items(it).forEach((x) => t.dec(x))).replace(/^RuntimeError: /, ""));
    out.push([n("_pending_removals"), t.len(d), n("_iterating")]);
    t.dec(it);
    it = t.iter(d);
    const x = t.next(it)!;
    t.setitem(keys, t.int(3), t.h.None);
    out.push([t.len(d), n("data")]);
    t.dec(it);
    out.push([t.len(d), n("data")]);
    t.dec(x, first, d, keys, K);
  },
};

S.weakset = {
  py: `
    class O: pass
    a, b, c = O(), O(), O()
    ws = weakref.WeakSet([a, b])
    out.append([len(ws), a in ws, c in ws, 1 in ws, type(iter(ws)).__name__])
    ws.add(c); ws.add(a)
    out.append(len(ws))
    del b
    out.append(len(ws))
    ws.discard(c)
    out.append(len(ws))
    try:
        ws.remove(c)
    except KeyError:
        out.append('KeyError')
    ws2 = ws.copy()
    out.append([len(ws2), ws2 == ws, ws2 is ws, ws == {a}, ws != ws2])
    ws2.add(c)
    out.append([ws <= ws2, ws < ws2, ws2 > ws, ws2 >= ws, ws == ws2, ws.issubset([a, c]), ws2.issuperset([a]), ws < [a, c], ws > []])
    out.append([len(ws.union([c])), len(ws2.intersection([c])), ws.isdisjoint([c]), len(ws2.difference([c])), len(ws2.symmetric_difference([a]))])
    ws2.difference_update([c]); out.append(len(ws2))
    ws2.symmetric_difference_update([c]); out.append(len(ws2))
    ws2.intersection_update([c]); out.append(len(ws2))
    ws2.update([a, c]); out.append(len(ws2))
    x = ws.pop()
    out.append([x is a, len(ws)])
    for f in [lambda: ws.pop(), lambda: ws.add(1), lambda: hash(ws), lambda: ws.remove(1)]:
        try:
            f()
            out.append('ok')
        except (KeyError, TypeError) as e:
            out.append(repr(e))
    ws2.clear()
    out.append([len(ws2), repr(ws2)])
  `,
  ts(t, out) {
    const h = t.h;
    const O = t.cls("O");
    const a = t.new(O);
    let b = t.new(O);
    const c = t.new(O);
    const ab = t.list([a, b]);
    const ws = t.wr.WeakSet(ab);
    t.dec(ab);
    const one = t.int(1);
    const itw = t.iter(ws);
    out.push([t.len(ws), t.contains(ws, a), t.contains(ws, c), t.contains(ws, one), t.typeName(itw)]);
    t.dec(itw);
    t.wr.add(ws, c);
    t.dec(t.meth(ws, "add", a));
    out.push(t.len(ws));
    t.dec(b);
    b = 0;
    out.push(t.len(ws));
    t.dec(t.meth(ws, "discard", c));
    out.push(t.len(ws));
    out.push(t.err(() => t.meth(ws, "remove", c)).startsWith("KeyError") ? "KeyError" : "?");
    const ws2 = t.meth(ws, "copy");
    const setA = t.new(h.T.set.ref);
    t.dec(t.meth(setA, "add", a));
    out.push([t.len(ws2), t.compare(ws2, ws, "=="), ws2 === ws, t.compare(ws, setA, "=="), t.compare(ws, ws2, "!=")]);
    t.dec(t.meth(ws2, "add", c));
    const lac = t.list([a, c]);
    const la = t.list([a]);
    const lc = t.list([c]);
    const l0 = t.list([]);
    out.push([
      t.compare(ws, ws2, "<="), t.compare(ws, ws2, "<"), t.compare(ws2, ws, ">"), t.compare(ws2, ws, ">="), t.compare(ws, ws2, "=="),
      t.take(t.meth(ws, "issubset", lac)), t.take(t.meth(ws2, "issuperset", la)), t.compare(ws, lac, "<"), t.compare(ws, l0, ">"),
    ]);
    const lenOf = (r: Ref): number => {
      const n = t.len(r);
      t.dec(r);
      return n;
    };
    out.push([lenOf(t.meth(ws, "union", lc)), lenOf(t.meth(ws2, "intersection", lc)), t.take(t.meth(ws, "isdisjoint", lc)), lenOf(t.meth(ws2, "difference", lc)), lenOf(t.meth(ws2, "symmetric_difference", la))]);
    t.dec(t.meth(ws2, "difference_update", lc));
    out.push(t.len(ws2));
    t.dec(t.meth(ws2, "symmetric_difference_update", lc));
    out.push(t.len(ws2));
    t.dec(t.meth(ws2, "intersection_update", lc));
    out.push(t.len(ws2));
    t.dec(t.meth(ws2, "update", lac));
    out.push(t.len(ws2));
    const x = t.meth(ws, "pop");
    out.push([x === a, t.len(ws)]);
    t.dec(x);
    for (const f of [() => t.meth(ws, "pop"), () => t.meth(ws, "add", one), () => t.hash(ws), () => t.meth(ws, "remove", one)]) {
      const e = t.err(f);
      out.push(e === "ok" ? "ok" : excRepr(e));
    }
    t.dec(t.meth(ws2, "clear"));
    out.push([t.len(ws2), t.repr(ws2)]);
    t.dec(setA, lac, la, lc, l0, ws, ws2, a, c, O);
  },
};

S.weakset_iteration_guard = {
  py: `
    class O: pass
    objs = [O() for i in range(5)]
    ws = weakref.WeakSet(objs)
    it = iter(ws)
    x = next(it)
    j = 1 if objs[0] is x else 0
    objs[j] = None
    out.append([len(ws._pending_removals), len(ws), len(ws.data), len(ws._iterating)])
    rest = list(it)
    out.append([len(rest), x in rest])
    out.append([len(ws._pending_removals), len(ws), len(ws.data), len(ws._iterating)])
    del rest
    it2 = iter(ws)
    y = next(it2)
    j = next(i for i, o in enumerate(objs) if o is not None and o is not y)
    objs[j] = None
    out.append([len(ws._pending_removals), len(ws)])
    del it2
    out.append([len(ws._pending_removals), len(ws), len(ws.data)])
    it3 = iter(ws)
    objs[:] = []
    del x, y
    out.append([len(ws), len(ws.data)])
    out.append(list(it3))
  `,
  ts(t, out) {
    const O = t.cls("O");
    const objs = t.list([]);
    for (let i = 0; i < 5; i++) {
      const o = t.new(O);
      t.dec(t.meth(objs, "append", o));
      t.dec(o);
    }
    const ws = t.wr.WeakSet(objs);
    const n = (name: string): number => {
      const v = t.get(ws, name);
      const r = t.len(v);
      t.dec(v);
      return r;
    };
    const at = (i: number): Ref => {
      const v = t.getitem(objs, t.int(i));
      t.dec(v);
      return v;
    };
    const it = t.iter(ws);
    let x = t.next(it)!;
    let j = at(0) === x ? 1 : 0;
    t.setitem(objs, t.int(j), t.h.None);
    out.push([n("_pending_removals"), t.len(ws), n("data"), n("_iterating")]);
    const rest = t.items(it);
    out.push([rest.length, rest.includes(x)]);
    out.push([n("_pending_removals"), t.len(ws), n("data"), n("_iterating")]);
    t.dec(...rest, it);
    const it2 = t.iter(ws);
    let y = t.next(it2)!;
    j = [0, 1, 2, 3, 4].find((i) => at(i) !== t.h.None && at(i) !== y)!;
    t.setitem(objs, t.int(j), t.h.None);
    out.push([n("_pending_removals"), t.len(ws)]);
    t.dec(it2);
    out.push([n("_pending_removals"), t.len(ws), n("data")]);
    const it3 = t.iter(ws);
    t.dec(t.meth(objs, "clear"));
    t.dec(x, y);
    x = y = 0;
    out.push([t.len(ws), n("data")]);
    out.push(t.items(it3));
    t.dec(it3, ws, objs, O);
  },
};

S.weakmethod = {
  py: `
    class C:
        def m(self):
            return 'called'
    c = C()
    got = []
    wm = weakref.WeakMethod(c.m, lambda w: got.append(w is wm))
    m = wm()
    out.append([type(m).__name__, m(), type(wm).__name__, isinstance(wm, weakref.ref)])
    del m
    wm2 = weakref.WeakMethod(c.m)
    out.append([wm == wm2, wm != wm2, hash(wm) == hash(c), wm == weakref.ref(c), weakref.ref(c) == wm, wm is wm2])
    out.append([weakref.getweakrefcount(c), weakref.getweakrefcount(wm), wm._alive, type(wm._func_ref).__name__])
    del c
    out.append([list(got), wm() is None, wm == wm2, wm == wm, wm != wm2, wm._alive])
    class D:
        def f(self): pass
    d = D()
    wf = weakref.WeakMethod(d.f, lambda w: got.append('f dead'))
    out.append(wf() is not None)
    del D.f
    out.append([list(got), wf() is None, wf._alive])
    del d
    out.append(list(got))
    def plain(): pass
    for f in [lambda: weakref.WeakMethod(plain), lambda: weakref.WeakMethod(1), lambda: weakref.WeakMethod(), lambda: wf(1)]:
        try:
            f()
        except TypeError as e:
            out.append(str(e))
  `,
  ts(t, out) {
    const C = t.cls("C", { methods: { m: () => t.str("called") } });
    let c = t.new(C);
    const got: unknown[] = [];
    let wm = 0 as Ref;
    const cm = t.get(c, "m");
    wm = t.wr.WeakMethod(cm, (w) => void got.push(w === wm));
    t.dec(cm);
    const m = t.wr.deref(wm);
    out.push([t.typeName(m), t.take(t.call(m)), t.typeName(wm), true]);
    t.dec(m);
    const cm2 = t.get(c, "m");
    const wm2 = t.wr.WeakMethod(cm2);
    t.dec(cm2);
    const rc = t.wr.ref(c);
    out.push([t.compare(wm, wm2, "=="), t.compare(wm, wm2, "!="), t.hash(wm) === t.hash(c), t.compare(wm, rc, "=="), t.compare(rc, wm, "=="), wm === wm2]);
    t.dec(rc);
    const fr = t.get(wm, "_func_ref");
    out.push([t.wr.getweakrefcount(c), t.wr.getweakrefcount(wm), t.take(t.get(wm, "_alive")), t.typeName(fr).replace(/^weakref\./, "")]);
    t.dec(fr);
    t.dec(c);
    c = 0;
    out.push([[...got], t.take(t.wr.deref(wm)) === null, t.compare(wm, wm2, "=="), t.compare(wm, wm, "=="), t.compare(wm, wm2, "!="), t.take(t.get(wm, "_alive"))]);
    const D = t.cls("D", { methods: { f: () => undefined } });
    let d = t.new(D);
    const df = t.get(d, "f");
    const wf = t.wr.WeakMethod(df, () => void got.push("f dead"));
    t.dec(df);
    out.push(t.take(t.wr.deref(wf)) !== null);
    t.del(D, "f");
    out.push([[...got], t.take(t.wr.deref(wf)) === null, t.take(t.get(wf, "_alive"))]);
    t.dec(d);
    d = 0;
    out.push([...got]);
    const plain = t.fn("plain", () => undefined);
    const one = t.int(1);
    for (const f of [() => t.wr.WeakMethod(plain), () => t.wr.WeakMethod(one), () => t.call(t.wr.WeakMethodType), () => t.call(wf, one)]) {
      out.push(t.err(f).replace(/^TypeError: /, ""));
    }
    t.dec(plain, wm, wm2, wf, C, D);
  },
};

S.finalize = {
  py: `
    class A: pass
    a = A()
    calls = []
    def fin(*args, **kw):
        calls.append([list(args), sorted(kw.items())])
        return 'res'
    f1 = weakref.finalize(a, fin, 1, 2, k=3)
    f2 = weakref.finalize(a, fin, 'second')
    out.append([f1.alive, f1.atexit, type(f1).__name__, weakref.getweakrefcount(a)])
    p = f1.peek()
    out.append([p[0] is a, p[1] is fin, list(p[2]), sorted(p[3].items())])
    r = f2()
    out.append([r, f2.alive, f2(), f2.peek(), f2.detach(), f2.atexit, list(calls)])
    f3 = weakref.finalize(a, fin, 'third')
    det = f3.detach()
    out.append([det[0] is a, list(det[2]), det[3], f3.alive, f3.detach(), f3.peek()])
    f4 = weakref.finalize(a, fin, 'fourth')
    f5 = weakref.finalize(a, fin, 'fifth')
    f4.atexit = False
    out.append([f4.atexit, f5.atexit, weakref.getweakrefcount(a)])
    out.append(repr(f5).startswith('<finalize object at 0x') and "; for 'A' at 0x" in repr(f5))
    del p, det, a
    out.append([calls, f1.alive, f4.alive, f5.alive, f1(), f1.peek(), f4.atexit])
    out.append(repr(f5).endswith('; dead>'))
    for f in [lambda: weakref.finalize(1, fin), lambda: weakref.finalize(), lambda: f1(1, 2)]:
        try:
            f()
        except TypeError as e:
            out.append(str(e))
  `,
  ts(t, out) {
    const A = t.cls("A");
    let a = t.new(A);
    const calls: unknown[] = [];
    const fin = t.fn("fin", (...args: unknown[]) => {
      let kw: Record<string, Ref> = {};
      if (args.length > 0 && typeof args[args.length - 1] === "object") kw = args.pop() as Record<string, Ref>;
      calls.push([args.map((x) => t.js(x as Ref)), Object.entries(kw).sort().map(([k, v]) => [k, t.js(v)])]);
      return t.str("res");
    });
    const f1 = t.wr.finalizeKw(a, fin, [t.int(1), t.int(2)], { k: t.int(3) });
    const second = t.str("second");
    const f2 = t.wr.finalize(a, fin, second);
    const i1 = t.wr.finalizeInfo(f1);
    out.push([i1.alive, i1.atexit, t.typeName(f1), t.wr.getweakrefcount(a)]);
    const p = t.wr.peek(f1);
    const [p0, p1, p2, p3] = [0, 1, 2, 3].map((i) => t.getitem(p, t.int(i)));
    const p3items = t.meth(p3, "items");
    out.push([p0 === a, p1 === fin, t.js(p2), (t.js(p3items) as unknown[]).sort()]);
    t.dec(p, p0, p1, p2, p3, p3items);
    const r = t.call(f2);
    out.push([t.take(r), t.wr.finalizeInfo(f2).alive, t.take(t.call(f2)), t.take(t.wr.peek(f2)), t.take(t.wr.detach(f2)), t.wr.finalizeInfo(f2).atexit, JSON.parse(JSON.stringify(calls))]);
    const third = t.str("third");
    const f3 = t.wr.finalize(a, fin, third);
    const det = t.wr.detach(f3);
    const [d0, d2, d3] = [0, 2, 3].map((i) => t.getitem(det, t.int(i)));
    out.push([d0 === a, t.js(d2), t.len(d3) === 0 ? {} : "?", t.wr.finalizeInfo(f3).alive, t.take(t.wr.detach(f3)), t.take(t.wr.peek(f3))]);
    t.dec(det, d0, d2, d3);
    const fourth = t.str("fourth");
    const fifth = t.str("fifth");
    const f4 = t.wr.finalize(a, fin, fourth);
    const f5 = t.wr.finalize(a, fin, fifth);
    t.set(f4, "atexit", t.h.False);
    out.push([t.take(t.get(f4, "atexit")), t.wr.finalizeInfo(f5).atexit, t.wr.getweakrefcount(a)]);
    out.push(t.repr(f5).startsWith("<finalize object at 0x") && t.repr(f5).includes("; for 'A' at 0x"));
    t.dec(a);
    a = 0;
    out.push([JSON.parse(JSON.stringify(calls)), t.wr.finalizeInfo(f1).alive, t.wr.finalizeInfo(f4).alive, t.wr.finalizeInfo(f5).alive, t.take(t.call(f1)), t.take(t.wr.peek(f1)), t.wr.finalizeInfo(f4).atexit]);
    out.push(t.repr(f5).endsWith("; dead>"));
    const one = t.int(1);
    const two = t.int(2);
    for (const f of [() => t.wr.finalize(one, fin), () => t.call(t.wr.finalizeType), () => t.call(f1, one, two)]) {
      out.push(t.err(f).replace(/^TypeError: /, ""));
    }
    t.dec(second, third, fourth, fifth, f1, f2, f3, f4, f5, fin, A);
  },
};

S.subclasses = {
  py: `
    class MySet(weakref.WeakSet): pass
    class MyDict(weakref.WeakValueDictionary): pass
    class MyFin(weakref.finalize): pass
    class A: pass
    a = A()
    s = MySet([a])
    s.tag = 1
    d = MyDict()
    d['k'] = a
    out.append([type(s).__name__, len(s), a in s, type(s.copy()).__name__, s.tag, type(d).__name__, d['k'] is a, weakref.getweakrefcount(s)])
    f = MyFin(a, out.append, 'fin')
    out.append([type(f).__name__, f.alive])
    del a
    out.append([len(s), len(d), f.alive])
  `,
  ts(t, out) {
    const MySet = t.cls("MySet", { base: t.wr.WeakSetType });
    const MyDict = t.cls("MyDict", { base: t.wr.WeakValueDictionaryType });
    const MyFin = t.cls("MyFin", { base: t.wr.finalizeType });
    const A = t.cls("A");
    let a = t.new(A);
    const la = t.list([a]);
    const s = t.new(MySet, la);
    t.dec(la);
    t.set(s, "tag", t.int(1));
    const d = t.new(MyDict);
    const k = t.str("k");
    t.setitem(d, k, a);
    const c = t.meth(s, "copy");
    const dk = t.getitem(d, k);
    out.push([t.typeName(s), t.len(s), t.contains(s, a), t.typeName(c), t.take(t.get(s, "tag")), t.typeName(d), dk === a, t.wr.getweakrefcount(s)]);
    t.dec(c, dk);
    const fin = t.str("fin");
    const push = t.fn("append", (x) => void out.push(t.js(x)));
    const f = t.new(MyFin, a, push, fin);
    out.push([t.typeName(f), t.wr.finalizeInfo(f).alive]);
    t.dec(a);
    a = 0;
    out.push([t.len(s), t.len(d), t.wr.finalizeInfo(f).alive]);
    t.dec(f, fin, push, k, s, d, MySet, MyDict, MyFin, A);
  },
};

describeScenarios("weak containers, WeakMethod and finalize", S);

