"""Run the lesson's notebooks headlessly with papermill and collect their results in a run folder.

    python -m tools.run [--preset P] [--only NAMES] [--out DIR] [--update-notebooks] [--publish]
                        [--dry-run [--gpu-branch]] [--source offline]

Each notebook runs in a fresh kernel with LESSON7_PRESET set to the preset, so its `preset = "auto"`
parameter resolves to it and its banner says so. The run folder gets the executed notebooks, their
figures, `results.json` (one entry per notebook) and `RESULTS.md`. A failing notebook is reported
with the cell that failed, the others still run, and the exit code is 1. The results files are
rewritten after each notebook, so an interrupted or killed run keeps what finished. Only --publish
(cpu) writes outside the run folder: into results/, which git tracks.

`--dry-run` runs each notebook's whole code path with every `fit` cut to a few batches
(`utils.dry_run`); `--source offline` makes the data functions use the offline stand-ins on any
preset. `make check-full` combines the two with `--preset full`: every line of the lesson's real
path runs, with its shapes, on a machine without a GPU or internet. `--gpu-branch` cuts a dry run
as a GPU would (the preset's batch sizes, two of the largest batch of items) on any device: `make
check-gpu-branch` builds and feeds every training DataLoaders of the GPU's dry run on a CPU. Dry
runs are never published.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import nbformat

from utils import env
from utils.data import SOURCES
from utils.presets import OUT_OF_MEMORY_HINT, PRESETS, resolve_preset
from utils.reference import for_notebook
from utils.results import format_table

from . import readme_table

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PUBLISHED = ROOT / "results"  # where --publish keeps a cpu run's RESULTS.md and results.json
KERNEL = "lesson7"  # the kernel `make` registers inside .venv
GALLERY = {  # figures kept with keep_figure that --publish copies to results/gallery/ (README)
    "01_resnet_mnist": ["confusion"],
    "01b_resnet_degradation": ["degradation", "landscape-2d"],
    "02_densenet": ["memory", "small-data"],
    "03_unet_camvid": ["predictions", "iou"],
    "04_wgan_bedroom": ["grids-over-epochs", "losses-and-quality"],
    "05_superres_gan": ["comparison", "losses"],
    "06_superres_feature_loss": ["comparison"],
    "07_rnn_human_numbers": ["results", "gradient-through-time"],
    "07b_rnn_regularised_gru": ["accuracy-by-role"],
}


_KERNEL_LOCK = threading.Lock()
_kernel: list[str] = []  # found once per process


def kernel_name() -> str:
    """The project's kernel when it is registered, else the current environment's python3.

    Looked up once, under a lock: the lookup imports IPython, and two threads importing it at once
    (the test suite runs notebooks from a thread pool) can leave it half imported."""
    with _KERNEL_LOCK:
        if not _kernel:
            from jupyter_client.kernelspec import find_kernel_specs

            _kernel.append(KERNEL if KERNEL in find_kernel_specs() else "python3")
        return _kernel[0]


def find_notebooks(folder: Path = NOTEBOOKS, only: list[str] | None = None) -> list[Path]:
    """The notebooks in `folder`, in order; `only` keeps those named by one of the given names:
    the whole name or its leading words (`01`, `01_resnet_mnist` and `01_resnet_mnist.ipynb` all
    select notebook 01, and not 01b)."""
    notebooks = sorted(folder.glob("*.ipynb"))
    if not only:
        return notebooks
    chosen = []
    for name in only:
        stem = name.removesuffix(".ipynb")
        matches = [nb for nb in notebooks if nb.stem == stem or nb.stem.startswith(stem + "_")]
        if not matches:
            known = ", ".join(nb.stem for nb in notebooks) or "none"
            raise SystemExit(f"No notebook matches {name!r} in {folder}. Notebooks: {known}.")
        chosen += [nb for nb in matches if nb not in chosen]
    return sorted(chosen)


def machine() -> str:
    """The machine a run's minutes come from: CPU model, cores, and its GPU or none."""
    cpu = platform.processor() or platform.machine()
    try:
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = names[0].strip() if names else cpu
    except OSError:
        pass
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {os.cpu_count()} cores, {gpu}"


def run_notebook(notebook: Path, out_dir: Path, preset: str, kernel: str,
                 extra_env: dict[str, str] | None = None) -> dict:
    """Execute one notebook into `out_dir`; return its entry for results.json. `extra_env` holds
    more environment variables for its kernel (LESSON7_DRY_RUN, LESSON7_SOURCE).

    papermill runs in a child process in a session of its own, so a Ctrl-C or SIGTERM reaches this
    process alone, whatever the child is doing (starting a kernel on a busy machine included): it
    stops the child, marks the executed copy as interrupted at the cell it reached, and raises
    KeyboardInterrupt."""
    entry = {"name": notebook.stem, "preset": preset, "status": "ok", "seconds": None,
             "date": datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine(),
             "metrics": {}, "reference": {}, "error": None}
    metrics_file = out_dir / "metrics" / f"{notebook.stem}.json"
    metrics_file.unlink(missing_ok=True)
    copy = out_dir / notebook.name
    error_file = out_dir / f".{notebook.stem}.error.json"
    error_file.unlink(missing_ok=True)
    kernel_env = {**os.environ, env.PRESET: preset, env.RUN_DIR: str(out_dir), **(extra_env or {})}
    start = time.perf_counter()
    # Ctrl-C and SIGTERM wait while the child is created: arriving in the middle of Popen, they
    # would leave a child that nobody stops. Delivered once `child` is known, they stop it.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "tools.run", EXECUTE_ONE, str(notebook), str(copy), kernel,
             str(error_file)], cwd=ROOT, env=kernel_env, start_new_session=True,
            preexec_fn=_child_signals)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending Ctrl-C is raised here
        code = child.wait()
    except KeyboardInterrupt:
        _stop(child)
        mark_interrupted(copy)
        raise
    finally:
        entry["seconds"] = round(time.perf_counter() - start, 1)
    failure = _read_json(error_file)
    error_file.unlink(missing_ok=True)
    if code != 0 or failure:
        entry.update(status="failed", error=(failure or {}).get("error") or
                     f"the notebook's process ended with exit code {code}")
        if (failure or {}).get("ename") == "OutOfMemoryError":
            entry["error"] += f" ({OUT_OF_MEMORY_HINT})"
        if copy.exists() and copy.stat().st_size == 0:  # nothing to read: do not leave it
            copy.unlink()
    if metrics_file.exists():
        record = json.loads(metrics_file.read_text())
        entry.update({k: record[k] for k in ("metrics", "reference", "headline", "floor",
                                             "meets_floor", "title", "dry_run", "peak_gpu_mb",
                                             "claims", "measured", "intervals", "interval_label")
                      if k in record})
    elif entry["status"] == "ok":
        entry.update(status="failed", error="the notebook recorded no results "
                     "(its last code cell should call utils.results.record_results)")
    return entry


EXECUTE_ONE = "--execute-one"  # the child's command: python -m tools.run --execute-one ...
STOP_GRACE_S = 10.0  # an interrupted child gets this long to stop its kernel, then it is killed


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _child_signals() -> None:
    """In the child, before it starts: the stop signals unblocked, and on Linux SIGTERM sent to it
    when the runner dies (even by SIGKILL), so no notebook runs on without its runner."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop(child: subprocess.Popen) -> None:
    """Ask the child to stop (it shuts its kernel down), then kill it if it does not."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            child.send_signal(sig)
            child.wait(timeout=STOP_GRACE_S)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def execute_one(notebook: str, copy: str, kernel: str, error_file: str) -> int:
    """The child's work: papermill on one notebook; a failure is described in `error_file`."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failure = None
    try:
        papermill.execute_notebook(notebook, copy, kernel_name=kernel,
                                   cwd=str(Path(notebook).parent),
                                   progress_bar=sys.stderr.isatty(), log_output=False)
    except PapermillExecutionError as err:
        first_line = (err.source or "").strip().splitlines()[:1]
        failure = {"ename": err.ename, "error": (
            f"cell {err.cell_index} (execution count {err.exec_count}, "
            f"starting {first_line[0][:60]!r}): {err.ename}: {err.evalue}"
            if first_line else f"cell {err.cell_index}: {err.ename}: {err.evalue}")}
    except KeyboardInterrupt:
        failure = {"ename": "KeyboardInterrupt", "error": "interrupted"}
    except Exception as err:  # kernel died, notebook unreadable, output not writable...
        failure = {"ename": type(err).__name__, "error": f"{type(err).__name__}: {err}"}
    if failure:
        try:
            Path(error_file).write_text(json.dumps(failure))
        except OSError:
            print(f"python -m tools.run: {failure['error']}", file=sys.stderr)
        return 130 if failure["ename"] == "KeyboardInterrupt" else 1
    return 0


INTERRUPTED = "lesson7-interrupted"  # the tag of the cell that marks where a run was interrupted


def mark_interrupted(copy: Path) -> None:
    """Mark an executed copy as interrupted: a cell before the first code cell that did not run
    says so, the notebook's metadata names it, and no cell after it claims to have completed."""
    try:
        nb = nbformat.read(copy, as_version=4)
    except Exception:  # not written yet, or cut short mid-write: nothing to mark
        return
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    ran = [i for i in code if nb.cells[i].get("execution_count") is not None]
    reached = ran[-1] if ran else (code[0] if code else 0)
    note = nbformat.v4.new_markdown_cell(
        f"**This run was interrupted here** ({datetime.now():%Y-%m-%d %H:%M}): the cell above is "
        "the last one that started, and the cells below did not run.")
    note.metadata["tags"] = [INTERRUPTED]
    nb.cells.insert(reached + 1, note)
    for cell in nb.cells[reached + 2:]:
        if "papermill" in cell.metadata:
            cell.metadata["papermill"]["status"] = "pending"
    nb.metadata["lesson7"] = {"interrupted": True, "reached_cell": reached}
    try:
        nbformat.write(nb, copy)
    except OSError:
        pass


def results_markdown(entries: list[dict], preset: str, created: str,
                     not_run: list[str] | None = None, state: str = "complete") -> str:
    """RESULTS.md: a summary table, then each notebook's metrics beside the lesson's."""
    lines = [f"# Results of the `{preset}` preset", "",
             f"Written by `python -m tools.run` on {created}. Each number was measured by the run "
             f"of its notebook on the date shown; the lesson's numbers are from "
             f"`utils/reference.py`. Minutes are wall-clock time on the machine that ran it.", ""]
    if state != "complete":
        lines += [f"**This run is {STATES[state]}**: {len(entries)} notebook(s) finished; not run: "
                  f"{', '.join(not_run or []) or 'none'}.", ""]
    lines += ["| notebook | run on | status | minutes | headline metric | ours | floor | lesson |",
              "|---|---|---|---|---|---|---|---|"]
    for e in entries:
        headline = e.get("headline")
        ours = e["metrics"].get(headline) if headline else None
        published = e["reference"].get(headline, {}) if headline else {}
        lesson = "-" if published.get("value") is None else (
            "not comparable" if published.get("not_comparable") else f"{published['value']:.4g}")
        floor = e.get("floor")
        status = e["status"] if e.get("meets_floor") in (None, True) else "below floor"
        status += " (dry run)" if e.get("dry_run") else ""
        lines.append(
            f"| {e['name']} | {e.get('date', '-')} | {status} | {e['seconds'] / 60:.1f} | "
            f"{headline or '-'} | "
            f"{'-' if ours is None else f'{ours:.4g}'} | {'-' if floor is None else floor} | "
            f"{lesson} |")
    for e in entries:
        lines += ["", f"## {e['name']}" + (f": {e['title']}" if e.get("title") else ""), ""]
        if e["error"]:
            lines += [f"Failed: {e['error']}", ""]
        if e["metrics"] or e["reference"]:
            lines += ["```", format_table(e), "```"]
    return "\n".join(lines) + "\n"


STATES = {  # the `state` of a run folder's results.json
    "complete": "complete",
    "running": "incomplete (still running, or stopped without a chance to say so)",
    "interrupted": "incomplete (interrupted)",
}


def write_results(folder: Path, entries: list[dict], preset: str, created: str,
                  not_run: list[str] | None = None, state: str = "complete") -> None:
    """results.json and RESULTS.md, each replaced in one step (never half-written)."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = {"preset": preset, "created": created, "state": state, "not_run": not_run or [],
               "notebooks": entries}
    for name, text in (("results.json", json.dumps(payload, indent=2) + "\n"),
                       ("RESULTS.md", results_markdown(entries, preset, created, not_run, state))):
        tmp = folder / f".{name}.tmp"
        try:
            tmp.write_text(text)
            tmp.replace(folder / name)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


RUN_LOCK = ".lesson7-run.lock"  # in a run folder: held by the runner that writes into it


class FolderInUse(RuntimeError):
    """Another runner holds the run folder's lock."""


def lock_run_folder(out: Path):
    """Hold the run folder's lock for as long as the returned file stays open; raise FolderInUse,
    naming the process that holds it, when another runner does."""
    handle = open(out / RUN_LOCK, "a+")
    try:
        import fcntl
    except ImportError:  # Windows: no lock
        return handle
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise FolderInUse(f"{out} is in use by the runner with process id {holder}: wait for it "
                          f"to finish, or give another --out") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


PUBLISH_LOCK = ".lesson7-publish.lock"  # in results/: held while a runner merges into it


@contextlib.contextmanager
def publish_lock(folder: Path):
    """Wait for, then hold, the published folder's lock: two runners that finish at once merge
    their entries one after the other, so neither drops the other's."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / PUBLISH_LOCK, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no lock
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(entries: list[dict], preset: str, created: str, folder: Path = PUBLISHED,
            run_folder: Path | None = None) -> None:
    """Merge this run's entries into results/ (by notebook name), keeping the other notebooks';
    replace the GALLERY figures of each notebook that succeeded with this run's. Entries of a dry
    run are never published, and a failed notebook keeps its last published entry (its committed
    notebook is not replaced either: --update-notebooks copies only those that succeeded). Runs
    under the folder's lock, so concurrent runners' merges do not overwrite each other."""
    with publish_lock(folder):
        _publish(entries, preset, created, folder, run_folder)


def _publish(entries, preset, created, folder, run_folder):
    published = json.loads((folder / "results.json").read_text()) if (
        folder / "results.json").exists() else {}
    had = {e["name"] for e in published.get("notebooks", [])}
    entries = [e for e in entries if not e.get("dry_run")
               and (e["status"] == "ok" or e["name"] not in had)]
    if not entries:
        return
    merged = {}
    existing = folder / "results.json"
    if existing.exists():
        old = json.loads(existing.read_text())
        if old.get("preset") == preset:
            merged = {e["name"]: e for e in old.get("notebooks", [])}
    merged.update({e["name"]: e for e in entries})
    write_results(folder, [merged[k] for k in sorted(merged)], preset, created)
    if run_folder is not None:
        gallery = folder / "gallery"
        gallery.mkdir(exist_ok=True)
        for entry in entries:
            if entry["status"] != "ok":
                continue
            for old in gallery.glob(f"{entry['name']}-*.png"):
                old.unlink()
            for name in GALLERY.get(entry["name"], []):
                figure = run_folder / "figures" / f"{entry['name']}-{name}.png"
                if figure.exists():
                    shutil.copy2(figure, gallery / figure.name)


def strip_run_metadata(executed: Path, target: Path) -> None:
    """Copy an executed notebook over its source, without papermill's timing metadata and with
    its outputs cleaned (`clean_outputs`)."""
    nb = nbformat.read(executed, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    clean_outputs(nb)
    nbformat.write(nb, target)


def _html(output) -> str:
    return "".join(output.get("data", {}).get("text/html", ""))


def is_progress_debris(output) -> bool:
    """What fastprogress leaves behind: an emptied display (`<div></div>` or nothing) or its CSS."""
    if output.get("output_type") != "display_data" or "text/html" not in output.get("data", {}):
        return False
    html = re.sub(r"<style>.*?</style>", "", _html(output), flags=re.S).strip()
    return html in ("", "<div></div>")


def clean_outputs(nb) -> None:
    """Outputs a reader wants, once: progress-bar debris dropped, a progress table kept as HTML
    only (fastprogress also stores it as markdown and as plain-text HTML)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [o for o in cell.outputs if not is_progress_debris(o)]
        for o in cell.outputs:
            if 'class="fastprogress"' in _html(o):
                o["data"] = {"text/html": o["data"]["text/html"]}


def _preset(value: str) -> str:
    try:
        return resolve_preset(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", type=_preset, default="auto",
                        help=f"one of {', '.join(PRESETS)} or auto")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these notebooks")
    parser.add_argument("--out", type=Path, help="run folder (default runs/<preset>-<time>)")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help=argparse.SUPPRESS)
    parser.add_argument("--publish", action="store_true",
                        help="also merge this cpu run into results/ and its gallery (tracked "
                             "files: `make notebooks` does it before a commit)")
    parser.add_argument("--no-publish", action="store_true", help=argparse.SUPPRESS)  # the default
    parser.add_argument("--update-notebooks", action="store_true",
                        help="copy each successfully executed notebook back over its source, so "
                             "the committed notebooks show the outputs of this run")
    parser.add_argument("--dry-run", action="store_true",
                        help="every fit cut to a few batches (tests the code path; not published)")
    parser.add_argument("--gpu-branch", action="store_true",
                        help="with --dry-run: cut as on a GPU (the preset's batch sizes, two of "
                             "the largest batch of items), on whatever device this is")
    parser.add_argument("--source", choices=SOURCES, default="auto",
                        help="where the data comes from (offline: the stand-ins, on any preset)")
    args = parser.parse_args(argv)
    if args.gpu_branch and not args.dry_run:
        parser.error("--gpu-branch shapes a dry run: give --dry-run too")
    if args.dry_run and args.update_notebooks:
        parser.error("--dry-run cannot --update-notebooks: a dry run's outputs teach nothing")
    if args.publish and args.dry_run:
        parser.error("--dry-run cannot --publish: a dry run's results are not the lesson's")
    if args.publish and args.preset != "cpu":
        parser.error(f"--publish keeps results/ for the cpu preset; this run is {args.preset!r}")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} is a file; give a folder (new or existing)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    preset = args.preset
    notebooks = find_notebooks(args.notebooks, args.only)
    if not notebooks:
        print(f"No notebooks found in {args.notebooks}.", file=sys.stderr)
        return 1
    created = datetime.now().strftime("%Y-%m-%d %H:%M")
    out = (args.out or ROOT / "runs" / f"{preset}-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"python -m tools.run: cannot create the run folder {out}: {err}", file=sys.stderr)
        return 2
    try:
        lock = lock_run_folder(out)
    except FolderInUse as err:
        print(f"python -m tools.run: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"python -m tools.run: cannot use the run folder {out}: {err}", file=sys.stderr)
        return 2
    with lock:
        return _run_all(args, notebooks, out, created)


def _run_all(args, notebooks: list[Path], out: Path, created: str) -> int:
    preset = args.preset
    kernel = kernel_name()
    kernel_env = {env.DRY_RUN: ("gpu" if args.gpu_branch else "1") if args.dry_run else "0"}
    if args.source != "auto":
        kernel_env[env.SOURCE] = args.source
    if args.update_notebooks or args.publish:  # what is committed rests on claims that held
        kernel_env[env.CLAIMS] = "auto"
    mode = (" (dry run" + (", cut as on a GPU)" if args.gpu_branch else ")")
            if args.dry_run else "") + (
        f", data from {args.source}" if args.source != "auto" else "")
    print(f"Running {len(notebooks)} notebook(s) on the {preset!r} preset{mode} with kernel "
          f"{kernel!r} into {out}")
    signal.signal(signal.SIGTERM, _raise_interrupt)  # `kill` ends a run as Ctrl-C does
    write_failed = []

    def save(entries, state):
        """Write the results; a failure is reported in one line, once, and the run goes on."""
        try:
            write_results(out, entries, preset, created, _not_run(notebooks, entries), state)
        except OSError as err:
            if not write_failed:
                print(f"python -m tools.run: cannot write the results in {out} "
                      f"({err.strerror or err}); carrying on with the notebooks", file=sys.stderr)
            write_failed.append(err)

    entries, state = [], "running"
    save(entries, state)  # from the start: a run killed by SIGKILL still says what did not finish
    try:
        for i, notebook in enumerate(notebooks, 1):
            print(f"[{i}/{len(notebooks)}] {notebook.stem} ...", flush=True)
            entry = run_notebook(notebook, out, preset, kernel, kernel_env)
            entries.append(entry)
            print(_summary(entry), flush=True)
            if for_notebook(notebook.stem) is None:
                print(f"    note: {notebook.stem} has no entry in utils/reference.py", flush=True)
            if entry["status"] == "ok" and args.update_notebooks:
                strip_run_metadata(out / notebook.name, notebook)
            save(entries, state)  # what finished so far survives a kill
        state = "complete"
    except KeyboardInterrupt:
        state = "interrupted"
        print("Interrupted: keeping the results of the notebooks that finished.", flush=True)
    finally:  # also after any other error of the runner itself
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        save(entries, "interrupted" if state == "running" else state)
    if args.publish and state == "complete" and not write_failed:
        with publish_lock(PUBLISHED):  # the README's table is read from results/: same lock
            _publish(entries, preset, created, PUBLISHED, out)
            readme_table.update()
        print(f"Updated {os.path.relpath(PUBLISHED)}/RESULTS.md, results.json and gallery/, and "
              "the README's results table")
    failed = [e["name"] for e in entries if e["status"] != "ok"]
    print(f"Done: {len(entries) - len(failed)} ok, {len(failed)} failed"
          + (f" ({', '.join(failed)})" if failed else "")
          + (f". See {out / 'RESULTS.md'}" if not write_failed else
             f"; the results could not be written in {out}"))
    if state == "interrupted":
        return 130
    return 2 if write_failed else 1 if failed else 0


def _not_run(notebooks: list[Path], entries: list[dict]) -> list[str]:
    return [nb.stem for nb in notebooks[len(entries):]]


def _summary(entry: dict) -> str:
    summary = f"    {entry['status']} in {entry['seconds']:.0f} s"
    if entry.get("headline"):
        summary += f", {entry['headline']} = {entry['metrics'][entry['headline']]:.4g}"
        if entry.get("floor") is not None:
            summary += (f" ({'meets' if entry['meets_floor'] else 'BELOW'} the floor "
                        f"{entry['floor']})")
    return summary + (f"\n    {entry['error']}" if entry["error"] else "")


if __name__ == "__main__":
    if sys.argv[1:2] == [EXECUTE_ONE]:
        raise SystemExit(execute_one(*sys.argv[2:]))
    raise SystemExit(main())
