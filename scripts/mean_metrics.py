#!/usr/bin/env python3
"""Count-weighted mean of `kinepose eval --json` outputs (one JSON file per evaluated file), e.g. one
subject's four camera files: python3 scripts/mean_metrics.py s8_*.json
Prints MPJPE, PA-MPJPE and acceleration error (whichever are present), each averaged with the
weights `count` that kinepose eval reports."""
import json
import sys

if len(sys.argv) < 2:
    sys.exit("usage: mean_metrics.py EVAL.json [EVAL.json ...]")
totals = {}
for path in sys.argv[1:]:
    try:
        with open(path) as f:
            metrics = json.load(f)["metrics"]
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"{path}: not a kinepose eval --json output ({e})")
    for key in ("mpjpe", "pa_mpjpe", "accel_error"):
        m = metrics.get(key)
        if m and m.get("count"):
            t = totals.setdefault(key, [0.0, 0])
            t[0] += m["value"] * m["count"]
            t[1] += m["count"]
print(" ".join(f"{k}={s / n:.3f}" for k, (s, n) in totals.items()))
