"""What differs between two registered models: settings, data lineage, training, results."""

from __future__ import annotations


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out |= _flat(v, key + ".")
        else:
            out[key] = v
    return out


def diff_models(a: dict, b: dict) -> list[str]:
    """One line per differing value; documents are compared by content hash."""
    lines = [f"a = {a['id']}  b = {b['id']}"]
    fa, fb = _flat(a.get("config", {}), "config."), _flat(b.get("config", {}), "config.")
    fa |= _flat(a.get("training", {}), "training.") | {"base": a.get("base")}
    fb |= _flat(b.get("training", {}), "training.") | {"base": b.get("base")}
    for k in sorted(set(fa) | set(fb)):
        if fa.get(k) != fb.get(k) and not k.startswith(
            ("training.seconds", "training.tokens_per_second", "training.peak_rss")
        ):
            lines.append(f"{k}: {fa.get(k)!r} -> {fb.get(k)!r}")
    da, db = a.get("lineage", {}).get("documents", {}), b.get("lineage", {}).get("documents", {})
    added, removed = sorted(set(db) - set(da)), sorted(set(da) - set(db))
    changed = sorted(d for d in set(da) & set(db) if da[d] != db[d])
    for label, docs in (("documents added", added), ("documents removed", removed), ("documents changed", changed)):
        if docs:
            lines.append(f"{label}: {', '.join(docs)}")
    ea, eb = (a.get("evaluations") or [{}])[-1], (b.get("evaluations") or [{}])[-1]
    for pipe in sorted(set(ea.get("accuracy", {})) | set(eb.get("accuracy", {}))):
        x, y = ea.get("accuracy", {}).get(pipe), eb.get("accuracy", {}).get(pipe)
        if x != y:
            lines.append(f"accuracy {pipe}: {x} -> {y}")
    return lines
