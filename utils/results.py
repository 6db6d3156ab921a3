"""Record a notebook's measured metrics and print them beside the lesson's published numbers."""

from __future__ import annotations

import json
import math
import os
import re
import sys
import textwrap
from pathlib import Path

from . import env
from .reference import for_notebook, not_comparable

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # what may name a file: no folders, no `..`


def check_name(value, what: str) -> str:
    """`value` if it can be part of a file name in a folder the project writes (a notebook, preset,
    figure or export name), else a ValueError naming it: nothing is ever written outside its
    folder, whatever a name holds."""
    if not isinstance(value, str) or not NAME.fullmatch(value) or ".." in value:
        raise ValueError(f"{what} = {value!r} cannot be part of a file name: use letters, "
                         f"digits, '_', '-' and '.', starting with a letter or digit (no folders, "
                         f"no '..').")
    return value


def run_dir() -> Path | None:
    """The run folder when a notebook runs under `python -m tools.run`, else None."""
    value = os.environ.get(env.RUN_DIR)
    return Path(value) if value else None


def _number(name: str, value) -> float | int:
    """Metrics are plain numbers (tensors and numpy scalars are converted); NaN is refused."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"Metric {name!r} must be a number, got {type(value).__name__}: {value!r}")
    if math.isnan(value):
        raise ValueError(f"Metric {name!r} is NaN: the run that produced it did not converge.")
    return value


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 100:
        return f"{int(value):,}"
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.2f}"


def in_dry_run() -> bool:
    """Whether this process runs a dry run (`dry_run.start_dry_run`), without importing fastai."""
    module = sys.modules.get(f"{__package__}.dry_run")
    return bool(module and module.is_active())


def peak_gpu_megabytes() -> float | None:
    """The most GPU memory torch has held at once in this process, or None without CUDA."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return round(torch.cuda.max_memory_allocated() / 2**20, 1)


def make_record(notebook: str, preset: str, metrics: dict, dry_run: bool = False,
                intervals: dict | None = None, interval_label: str = "interval") -> dict:
    """The record of one notebook run: metrics, the lesson's numbers, headline and floor.

    A dry run's metrics come from a few batches: its record says so and has no floor to meet.
    `intervals` maps some of the metrics to a (low, high) spread the notebook measured; the table
    prints it in a column headed `interval_label`, beside ours.
    """
    metrics = {k: _number(k, v) for k, v in metrics.items()}
    ref = for_notebook(notebook)
    record = {"notebook": notebook, "preset": preset, "dry_run": dry_run, "metrics": metrics,
              "reference": {}, "peak_gpu_mb": peak_gpu_megabytes()}
    if intervals:
        unknown = [k for k in intervals if k not in metrics]
        if unknown:
            raise KeyError(f"intervals name {unknown}, which are not among the metrics recorded")
        record["intervals"] = {k: [_number(k, low), _number(k, high)]
                               for k, (low, high) in intervals.items()}
        record["interval_label"] = interval_label
    if ref is not None:
        if ref.headline not in metrics:
            raise KeyError(
                f"{notebook} must record its headline metric {ref.headline!r} "
                f"(see utils/reference.py); it recorded {sorted(metrics)}."
            )
        record["reference"] = {
            k: {"value": p.value, "setup": p.setup, "source": p.source, "differs": p.differs,
                "not_comparable": not_comparable(notebook, k, preset)}
            for k, p in ref.published.items()
        }
        floor = None if dry_run else ref.floors.get(preset)
        value = metrics[ref.headline]
        record.update(
            title=ref.title,
            headline=ref.headline,
            floor=floor,
            meets_floor=None if floor is None else bool(
                value >= floor if ref.higher_is_better else value <= floor),
        )
    return record


def format_table(record: dict) -> str:
    """A plain-text table: metric, ours, the lesson's number, and how the lesson got it.

    A lesson number stands beside ours only when it measures the same thing on the same kind of
    setup; otherwise its row says why not, and the number is listed after the table, on its own.
    A number from a model built unlike ours is marked †, its setup saying how it differs.
    """
    published = record.get("reference", {})
    names = list(record["metrics"]) + [k for k in published if k not in record["metrics"]]
    spread = record.get("intervals") or {}  # a column of its own only where a notebook gave one
    rows = [("metric", f"ours ({record['preset']})", "lesson", "lesson's setup")]
    apart = {}  # why not comparable -> the lesson's numbers it applies to
    for name in names:
        ref = published.get(name, {})
        why = ref.get("not_comparable")
        if why:
            apart.setdefault(why, []).append(
                f"  {name}: {_fmt(ref['value'])} ({ref['setup']}; {ref['source']})")
            rows.append((name, _fmt(record["metrics"].get(name)), "see note",
                         "not comparable (the note under the table)"))
        elif ref.get("differs"):  # beside ours all the same, marked, with how it differs
            rows.append((name, _fmt(record["metrics"].get(name)), f"{_fmt(ref['value'])} \u2020",
                         f"{ref['setup']}; \u2020 built unlike ours: {ref['differs']}"))
        else:
            rows.append((name, _fmt(record["metrics"].get(name)), _fmt(ref.get("value")),
                         ref.get("setup", "")))
    if spread:  # beside ours: "low to high", or "-" for a metric without one
        rows = [rows[0][:2] + (record.get("interval_label", "interval"),) + rows[0][2:]] + [
            r[:2] + (" to ".join(_fmt(v) for v in spread[r[0]]) if r[0] in spread else "-",)
            + r[2:] for r in rows[1:]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    indent = sum(widths) + 2 * len(widths)  # where the setup column starts
    lines = []
    for *cells, d in rows:  # a long setup wraps under its own column
        setup = textwrap.wrap(d, max(100 - indent, 40)) or [""]
        left = "  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                         for i, (c, w) in enumerate(zip(cells, widths)))
        lines.append(f"{left}  {setup[0]}".rstrip())
        lines += [" " * indent + more for more in setup[1:]]
    lines.insert(1, "-" * min(max(len(line) for line in lines), 100))
    if record.get("dry_run"):
        lines.append("DRY RUN: these numbers come from a few batches; they test the code path only")
    elif record.get("floor") is not None:
        verdict = "meets" if record["meets_floor"] else "DOES NOT meet"
        lines.append(f"headline {record['headline']} {verdict} this preset's pass mark "
                     f"of {_fmt(record['floor'])} (set in utils/reference.py)")
    for why, listed in apart.items():
        note = f"note: the lesson's own numbers, not comparable with this run: {why}"
        lines += ["", *textwrap.wrap(note, 100)]
        lines += [part for entry in listed
                  for part in textwrap.wrap(entry, 100, subsequent_indent="    ")]
    return "\n".join(lines)


def record_results(notebook: str, preset: str, metrics: dict, intervals: dict | None = None,
                   interval_label: str = "interval") -> dict:
    """Print the metrics beside the lesson's, and save them in the run folder under the runner.

    Every number comes from the run itself: pass what the notebook measured, never a constant.
    `intervals` (optional) maps metrics to the (low, high) spread the notebook measured for them,
    printed in a column headed `interval_label` (say what the spread is over).
    """
    check_name(notebook, "notebook"), check_name(preset, "preset")
    from .claims import outcomes
    from .measure import summary

    record = make_record(notebook, preset, metrics, dry_run=in_dry_run(), intervals=intervals,
                         interval_label=interval_label)
    record["claims"] = outcomes()
    if (measured := summary()) is not None:
        record["measured"] = measured
    print(format_table(record))
    failed = [o["sentence"] for o in record["claims"] if o["held"] is False]
    if failed:
        print(f"{len(failed)} claim(s) of the prose did not hold on this run: "
              + "; ".join(repr(f) for f in failed))
    folder = run_dir()
    if folder is not None:
        (folder / "metrics").mkdir(parents=True, exist_ok=True)
        (folder / "metrics" / f"{notebook}.json").write_text(json.dumps(record, indent=2))
    return record
