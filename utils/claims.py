"""Sentences a notebook's prose says about its own run, checked by that run.

A notebook that writes "the residual net ends far below the plain one" follows that markdown with

    claim(resnet_loss < plain_loss / 2, "the residual net ends far below the plain one",
          resnet_loss=resnet_loss, plain_loss=plain_loss)

On `cpu` a false claim stops the run with `ClaimFailed`, naming the sentence and the numbers, so
`make notebooks` cannot commit prose that its own outputs contradict. On `full` the prose was
written about the `cpu` run, and hours of GPU work must not be lost to a sentence: a false claim
prints a warning that says so, with what this run measured, and the run goes on. Either way every
claim's outcome is kept (`outcomes()`), and `utils.results.record_results` lists them in the run's
results. On `smoke` (tiny data, where results mean little) and in a dry run (a few batches) the
claim is printed as not checked. `utils.setup.setup` tells this module the preset;
`claim(..., preset=...)` overrides it.

The prose describes the committed `cpu` run with the settings as written. A learner who changes a
setting (a "Where next" experiment) changes the numbers the sentences rest on, so a false claim then
says what it measured and the run goes on if they ask for it: `setup(..., claims="warn")` in the
notebook's first cell, or the environment variable LESSON7_CLAIMS=warn (e.g. for a papermill batch).
"""

from __future__ import annotations

import math
import os

from . import env

UNCHECKED_PRESETS = ("smoke",)  # presets whose numbers are too noisy to judge a sentence on
WARNING_PRESETS = ("full",)  # presets the prose was not written about: a false claim warns

CLAIM_MODES = ("auto", "warn", "stop")  # auto: stop on cpu, warn on full; warn/stop: on any preset
_state = {"preset": None, "dry_run": False, "outcomes": [], "mode": "auto"}  # set by start()


class ClaimFailed(AssertionError):
    """A sentence in the notebook's prose that this run's numbers contradict."""


def resolve_mode(mode: str = "auto") -> str:
    """`mode` as given, or, for "auto", the environment variable LESSON7_CLAIMS when it is set."""
    if mode == "auto":
        mode = os.environ.get(env.CLAIMS, "").strip().lower() or "auto"
        where = "the environment variable LESSON7_CLAIMS"
    else:
        where = "setup(claims=...)"
    if mode not in CLAIM_MODES:
        raise ValueError(f"{where} is {mode!r}; use one of {', '.join(CLAIM_MODES)} (warn: a false "
                         "claim prints what this run measured and the run goes on)")
    return mode


def start(preset: str, dry_run: bool = False, mode: str = "auto") -> None:
    """Remember the run's preset, dry-run flag and claim mode, forget earlier outcomes; `setup`
    calls this."""
    _state.update(preset=preset, dry_run=bool(dry_run), outcomes=[], mode=resolve_mode(mode))


def outcomes() -> list[dict]:
    """Every claim of this run so far: its sentence, whether it held (None: not checked), and the
    numbers it rests on."""
    return [dict(o) for o in _state["outcomes"]]


def _fmt(value) -> str:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return repr(value)
    if isinstance(value, int) or math.isinf(value) or math.isnan(value):
        return str(value)
    return f"{value:.4g}"


def claim(holds, sentence: str, *, preset: str | None = None, **numbers) -> None:
    """Check `sentence` (what the prose says) with `holds` (the run's test of it) and print it.

    `numbers` are the measurements the sentence rests on; they are printed either way, and named
    in the error when the claim is false. Returns nothing, so a cell ending in a claim shows only
    the printed line.
    """
    if not isinstance(sentence, str) or not sentence.strip():
        raise ValueError("claim() needs the sentence it checks, as the prose words it")
    if hasattr(holds, "item"):
        holds = holds.item()
    if not isinstance(holds, bool):
        raise TypeError(f"claim({sentence!r}): the condition must be True or False, got "
                        f"{type(holds).__name__} {holds!r}")
    preset = preset or _state["preset"]
    if preset is None:
        raise RuntimeError(f"claim({sentence!r}) before setup(): call utils.setup.setup first, "
                           "or pass preset=")
    shown = ", ".join(f"{k} {_fmt(v)}" for k, v in numbers.items())
    shown = f" ({shown})" if shown else ""
    checked = not (_state["dry_run"] or preset in UNCHECKED_PRESETS)
    _state["outcomes"].append({"sentence": sentence, "held": holds if checked else None,
                               "numbers": {k: _fmt(v) for k, v in numbers.items()}})
    if not checked:
        why = "a dry run" if _state["dry_run"] else f"the {preset} preset"
        print(f"not checked on {why}: {sentence}{shown}")
        return
    mode = _state.get("mode", "auto")
    warns = mode == "warn" or (mode == "auto" and preset in WARNING_PRESETS)
    if not holds and warns:
        print(f"WARNING, does not hold on this {preset} run: {sentence!r} was written about the "
              f"committed cpu run; this run measured{shown or ' otherwise'}. The run goes on, and "
              "results.json lists the claim as not held.")
        return
    if not holds:
        raise ClaimFailed(
            f"The notebook says {sentence!r}, but this {preset} run measured"
            f"{shown or ' otherwise'}. If you changed a setting, the sentence describes the "
            "committed run: pass claims=\"warn\" to setup() in the first cell (or set "
            "LESSON7_CLAIMS=warn) to see every such sentence and go on. Otherwise rewrite the "
            "sentence to say what the run shows, or find out why the run changed.")
    print(f"checked: {sentence}{shown}")
