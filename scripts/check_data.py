"""Temporary annotator check: quotes verbatim, ids unique, references resolve. Usage: python3 /tmp/check_data.py"""
import sys, re, pathlib, yaml, collections
root = pathlib.Path("/work/main/data")
texts = {"stalinism": (root/"texts/stalinism.txt").read_text(encoding="utf-8"),
         "anti_stalinist_left": (root/"texts/anti_stalinist_left.txt").read_text(encoding="utf-8")}
ID = {"events":"event_id","places":"place_id","routes":"route_id","actors":"actor_id","relations":"relation_id",
      "estimates":"estimate_id","periods":"period_id","movements":"movement_id","waivers":None}
recs = collections.defaultdict(list); problems = []
for f in sorted(root.rglob("*.yaml")):
    kind = f.stem
    if kind not in ID: continue
    try: data = yaml.safe_load(f.read_text(encoding="utf-8")) or []
    except Exception as e: problems.append(f"{f}: YAML error {e}"); continue
    for r in data:
        doc = r.get("doc_id") or next((x for x in f.relative_to(root).parts[:-1] if x in texts), None)
        rid = r.get(ID[kind]) if ID[kind] else r.get("quote","")[:30]
        q = r.get("quote")
        if not q: problems.append(f"{f}:{rid}: no quote")
        elif doc not in texts: problems.append(f"{f}:{rid}: unknown doc {doc}")
        elif q not in texts[doc]: problems.append(f"{f}:{rid}: quote not found verbatim: {q[:70]!r}")
        for k in ("year_start","year_end"):
            y = r.get(k)
            if y is not None and not (isinstance(y,int) and 1800 <= y <= 2030): problems.append(f"{f}:{rid}: bad {k} {y}")
        if r.get("year_start") and r.get("year_end") and r["year_end"] < r["year_start"]: problems.append(f"{f}:{rid}: end before start")
        recs[kind].append((f, rid, r))
ids = collections.Counter(rid for k in recs if ID[k] for _, rid, _ in recs[k])
for i, n in ids.items():
    if n > 1: problems.append(f"duplicate id {i} x{n}")
actors = {rid for _, rid, _ in recs["actors"]}; places = {rid for _, rid, _ in recs["places"]}
movs = {rid for _, rid, _ in recs["movements"]}; events = {rid for _, rid, _ in recs["events"]}
def chk(kind, field, pool, many=False):
    for f, rid, r in recs[kind]:
        v = r.get(field)
        for x in (v or []) if many else ([v] if v else []):
            if x not in pool: problems.append(f"{f}:{rid}: unknown {field} {x}")
chk("events","place_id",places); chk("events","actor_ids",actors,True); chk("events","movement_ids",movs,True)
chk("actors","movement_ids",movs,True); chk("relations","source_id",actors); chk("relations","target_id",actors)
chk("routes","origin_place_id",places); chk("routes","destination_place_id",places); chk("routes","event_id",events)
chk("estimates","event_id",events)
for p in problems: print(p)
print({k: len(v) for k, v in recs.items()}, f"{len(problems)} problems")
