"""Benchmark the lesson: time per notebook section, and fastai's `fit` against a plain PyTorch loop.

    python -m tools.bench [--preset P] [--only NAMES | --only all] [--epochs N] [--out DIR]

Notebooks named with --only run headlessly as in `python -m tools.run` (nothing is published) and
each section's wall time (the code cells under one `## ` heading) is read from papermill's timing of
every cell. Then the MNIST ResNet of notebook 01 and the U-Net of notebook 03 train for a few
epochs twice from the same initial weights, on the same data tensors with the same optimizer
(Adam, constant learning rate): with fastai's `Learner.fit` fed by fastai `DataLoaders` over the
tensors, and with a plain PyTorch loop that slices the tensors. The two take turns, one epoch
each, so that a machine whose speed drifts moves both alike; the ratio of their median times per
epoch is fastai's overhead. Figures go to `bench.md` and `bench.json` in the run folder, and are
printed.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import torch

from utils.presets import PRESETS, resolve_preset

from . import run
from .run import NOTEBOOKS, ROOT, find_notebooks, kernel_name, run_notebook

TOP = "(before the first section)"
OUTSIDE = "(outside the cells: kernel start, papermill)"


# --- time per section ---------------------------------------------------------------------------


def section_times(nb) -> list[tuple[str, float]]:
    """(heading, seconds) for each `## ` section of an executed notebook, in order: the summed
    papermill durations of its code cells (a cell that did not run counts 0)."""
    sections: list[list] = [[TOP, 0.0]]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for heading in re.findall(r"^## +(.+?)\s*$", cell.source, re.M):
                sections.append([heading, 0.0])
        elif cell.cell_type == "code":
            sections[-1][1] += cell.metadata.get("papermill", {}).get("duration") or 0.0
    return [(h, round(s, 1)) for h, s in sections if h != TOP or s > 0]


def time_notebooks(notebooks: list[Path], out: Path, preset: str) -> list[dict]:
    """Run each notebook into `out`; its status, total seconds and seconds per section."""
    kernel, timed = kernel_name(), []
    for i, notebook in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] {notebook.stem} ...", flush=True)
        entry = run_notebook(notebook, out, preset, kernel)
        executed = out / notebook.name
        sections = section_times(nbformat.read(executed, as_version=4)) if executed.exists() else []
        timed.append({"name": notebook.stem, "status": entry["status"], "error": entry["error"],
                      "seconds": entry["seconds"], "sections": sections})
        print(f"    {entry['status']} in {entry['seconds']:.0f} s", flush=True)
    return timed


# --- the report -----------------------------------------------------------------------------------


def machine() -> str:
    """One line on the machine: CPU model and cores, GPU, torch threads."""
    return (f"{run.machine()}; torch {torch.__version__} with {torch.get_num_threads()} threads, "
            f"python {platform.python_version()}")


def in_child(module: str, args: list[str], out: Path) -> dict | list | None:
    """Run `python -m <module> ... --json FILE` (a utils module: the part that needs fastai) in a
    child process, so this tool never imports fastai; its figures, or None if it failed."""
    result = out / f"{module.rsplit('.', 1)[-1]}.json"
    done = subprocess.run([sys.executable, "-m", module, *args, "--json", str(result)], cwd=ROOT)
    if done.returncode != 0 or not result.exists():
        print(f"python -m {module} failed (exit code {done.returncode}); its figures are left out",
              file=sys.stderr)
        return None
    return json.loads(result.read_text())


def loader_lines(loaders: list[dict]) -> list[str]:
    workers = list(loaders[0]["items_per_second"])
    lines = ["## Loaders and estimates for `full`", "",
             "Items per second of a DataLoaders like each notebook's on its offline stand-in "
             "(`utils/throughput.py`), at the `full` size and batch size and, in brackets, at "
             "the `cpu` preset's, per number of loader workers (0: in the notebook's process). "
             "The stand-ins' files are smaller than the real ones, so real rates are lower. The "
             "estimates are not measurements: compute at 15% of each GPU's data-sheet bf16 peak, "
             "or loading at 16 workers, whichever is slower; memory: weights with Adam's state "
             "and one batch's activations.", "",
             "| notebook | full size, batch | " + " | ".join(f"{w} workers" for w in workers)
             + " | GFLOPs per item | est. H100 h | est. T4 h | est. memory GB |",
             "|---|---|" + "---|" * len(workers) + "---|---|---|---|"]
    for r in loaders:
        rates = [f"{r['items_per_second'][w]:,.0f} ({r['cpu_items_per_second'][w]:,.0f})"
                 for w in workers]
        c, e = r["cost"], r["estimate"]
        lines.append(f"| {r['notebook']} | {r['size'][0]}x{r['size'][1]}, {r['batch_size']} | "
                     + " | ".join(rates) + f" | {c['gflops'] + c['extra_gflops']:.3g} | "
                     f"{e['H100']:.2f} | {e['T4']:.2f} | {e['memory_gb']:.1f} |")
    return lines + [""]


def report(preset: str, created: str, notebooks: list[dict], ratios: dict | None,
           loaders: list[dict] | None = None) -> str:
    lines = [f"# Benchmark on the `{preset}` preset", "",
             f"Written by `python -m tools.bench` on {created}, on {machine()}.", ""]
    for nb in notebooks:
        lines += [f"## {nb['name']}: {nb['seconds']:.0f} s ({nb['status']})", ""]
        if nb["error"]:
            lines += [f"Failed: {nb['error']}", ""]
        rows = [*nb["sections"], (OUTSIDE, nb["seconds"] - sum(s for _, s in nb["sections"]))]
        lines += ["| section | seconds | share |", "|---|---|---|"]
        lines += [f"| {h} | {s:.1f} | {s / (nb['seconds'] or 1):.0%} |" for h, s in rows]
        lines.append("")
    if ratios:
        lines += ["## fastai `fit` against a plain PyTorch loop", "",
                  "Same model and initial weights, same tensors, Adam at a constant learning "
                  "rate; seconds per epoch (training and validation). After a warm-up epoch "
                  "of each, the two take turns for `epochs` epochs each; the median epoch of "
                  "each is shown. Each fastai epoch is a `fit(1)`, set-up of the fit included.",
                  "",
                  "| model | items (train / valid) | batch | epochs | fastai s/epoch | "
                  "plain s/epoch | ratio | accuracy (fastai / plain) |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, r in ratios.items():
            lines.append(
                f"| {name} | {r['train_items']} / {r['valid_items']} | {r['batch_size']} | "
                f"{r['epochs']} | {r['fastai_s_per_epoch']:.3f} | {r['plain_s_per_epoch']:.3f} | "
                f"{r['ratio']:.2f}x | {r['fastai_accuracy']:.3f} / {r['plain_accuracy']:.3f} |")
        lines.append("")
    if loaders:
        lines += loader_lines(loaders)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="auto", help=f"one of {', '.join(PRESETS)} or auto")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="time these notebooks per section (`all`: every notebook)")
    parser.add_argument("--epochs", type=int, default=5,
                        help="timed epochs of each loop per model, taken in turns (default 5)")
    parser.add_argument("--no-overhead", action="store_true", help="skip fastai vs the plain loop")
    parser.add_argument("--no-loaders", action="store_true", help="skip the loader benchmark")
    parser.add_argument("--out", type=Path, help="run folder (default runs/bench-<preset>-<time>)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs {args.epochs}: time at least one epoch")
    try:
        preset = resolve_preset(args.preset)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    only = None if args.only in (None, ["all"]) else args.only
    notebooks = find_notebooks(NOTEBOOKS, only) if args.only else []
    out = (args.out or ROOT / "runs" / f"bench-{preset}-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    created = datetime.now().strftime("%Y-%m-%d %H:%M")
    if not notebooks:
        print("No notebook timed per section: name some with --only (or `--only all`).")
    timed = time_notebooks(notebooks, out, preset) if notebooks else []
    ratios = None if args.no_overhead else in_child(
        "utils.overhead", ["--epochs", str(args.epochs)], out)
    loaders = None if args.no_loaders else in_child("utils.throughput", [], out)
    text = report(preset, created, timed, ratios, loaders)
    (out / "bench.md").write_text(text)
    (out / "bench.json").write_text(json.dumps(
        {"preset": preset, "created": created, "machine": machine(), "notebooks": timed,
         "overhead": ratios, "loaders": loaders}, indent=2) + "\n")
    print("\n" + text + f"\nWritten to {out / 'bench.md'} and bench.json")
    return 1 if any(nb["status"] != "ok" for nb in timed) else 0

if __name__ == "__main__":
    sys.exit(main())
