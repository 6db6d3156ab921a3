"""`make gpu-check`: every notebook on a CUDA GPU, on `smoke` and as a `full` dry run; a report.

    python -m tools.gpu_check [--only NAMES] [--out DIR]

Runs each notebook on `smoke`, then on `full` with the offline stand-ins and the dry-run switch
(every `fit` cut to a few batches at the preset's own batch sizes and image sizes, which is what
tests GPU memory). Writes `results/gpu/<gpu-name>-<date>.md` with, per notebook and run, the status,
seconds and peak GPU memory (`torch.cuda.max_memory_allocated` inside the notebook's kernel).
Without a CUDA GPU it exits at once with a message.
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
from datetime import datetime
from pathlib import Path

import torch

from utils import env
from utils.gpu import doctor

from . import run

REPORTS = run.ROOT / "results" / "gpu"
MEASURE_S = 45  # training seconds of each notebook's measured full run (the third pass)
PASSES = (  # (label, preset, extra environment of the kernel)
    ("smoke", "smoke", {env.DRY_RUN: "0"}),
    ("full dry run", "full", {env.DRY_RUN: "1", env.SOURCE: "offline"}),
    ("full, measured", "full", {env.DRY_RUN: "0", env.SOURCE: "offline",
                                env.MEASURE: str(MEASURE_S)}),
)


def report_name(gpu: str, day: str) -> str:
    """`NVIDIA H100 80GB HBM3` on 2026-11-27 -> `nvidia-h100-80gb-hbm3-2026-11-27.md`."""
    return re.sub(r"[^a-z0-9]+", "-", gpu.lower()).strip("-") + f"-{day}.md"


def report_markdown(gpu: str, created: str, rows: list[tuple[str, dict]]) -> str:
    lines = [f"# GPU check on {gpu}", "",
             f"Written by `make gpu-check` on {created}: torch {torch.__version__}, CUDA "
             f"{torch.version.cuda}, python {platform.python_version()}. `smoke` runs each "
             f"notebook on tiny data; the `full` dry run runs every line of the `full` preset at "
             f"its own batch and image sizes on the offline stand-ins, each `fit` cut short.",
             "", "| notebook | run | status | seconds | peak GPU memory (MiB) |",
             "|---|---|---|---|---|"]
    for label, e in rows:
        peak = e.get("peak_gpu_mb")
        lines.append(f"| {e['name']} | {label} | {e['status']} | {e['seconds']:.0f} | "
                     f"{'-' if peak is None else f'{peak:,.0f}'} |")
    measured = [(label, e) for label, e in rows if e.get("measured")]
    if measured:
        lines += ["", f"## A real `full` run, training cut after {MEASURE_S} s", "",
                  "On the offline stand-ins at the `full` settings: training steps a second, the "
                  "share of training time spent waiting for the next batch, the peak GPU memory "
                  "torch reserved, and the device each model trained on.", "",
                  "| notebook | steps | steps/s | waiting for data | peak reserved (MiB) | "
                  "devices |", "|---|---|---|---|---|---|"]
        for _, e in measured:
            m = e["measured"]
            devices = ", ".join(f"{k}: {v}" for k, v in m["devices"].items()) or "-"
            wait = "-" if m["data_wait_share"] is None else f"{m['data_wait_share']:.0%}"
            lines.append(f"| {e['name']} | {m['steps']} | {m['steps_per_second']} | {wait} | "
                         f"{m['peak_reserved_mb']} | {devices} |")
    failed = [(label, e) for label, e in rows if e["status"] != "ok"]
    if failed:
        lines += ["", "## Failures", ""]
        lines += [f"- {e['name']} ({label}): {e['error']}" for label, e in failed]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gpu_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="check only these notebooks")
    parser.add_argument("--out", type=Path, help="run folder (default runs/gpu-check-<time>)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("make gpu-check needs a CUDA GPU, and torch sees none on this machine. On a CPU, "
              "`make check-full` runs the same full-preset dry run.", file=sys.stderr)
        advice = doctor()
        if advice:
            print(advice, file=sys.stderr)
        return 2
    gpu = torch.cuda.get_device_name(0)
    notebooks = run.find_notebooks(only=args.only)
    out = (args.out or run.ROOT / "runs" / f"gpu-check-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    kernel = run.kernel_name()
    rows = []
    for label, preset, pass_env in PASSES:
        folder = out / preset
        folder.mkdir(parents=True, exist_ok=True)
        for notebook in notebooks:
            print(f"[{label}] {notebook.stem} ...", flush=True)
            entry = run.run_notebook(notebook, folder, preset, kernel, pass_env)
            rows.append((label, entry))
            print(f"    {entry['status']} in {entry['seconds']:.0f} s, peak GPU memory "
                  f"{entry.get('peak_gpu_mb')} MiB" + (f"\n    {entry['error']}"
                                                      if entry["error"] else ""), flush=True)
    created = datetime.now().strftime("%Y-%m-%d %H:%M")
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / report_name(gpu, created[:10])
    report.write_text(report_markdown(gpu, created, rows))
    failed = sum(e["status"] != "ok" for _, e in rows)
    print(f"{len(rows) - failed} ok, {failed} failed. Report: {report.relative_to(run.ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
