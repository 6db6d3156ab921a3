"""A notebook's set-up in one call: quiet library warnings, print the banner, seed, dry run."""

from __future__ import annotations

from . import warnings_filters

# On import, before the notebook imports fastai: fastai raises one of the filtered warnings then.
warnings_filters.apply()


FIGURE_DPI = 72  # figures in the notebooks: readable, and a notebook stays under 1 MB


def setup(preset: str = "auto", notebook: str = "notebook", dry_run: bool = False,
          seed: int = 42, *, my_image=None, my_text=None,
          claims: str = "auto") -> tuple[str, bool]:
    """Set a notebook up and return `(PRESET, DRY_RUN)`: the resolved preset and the dry-run flag.

    Applies `utils.warnings_filters`, prints `utils.presets.banner`, switches the dry run on or off
    (`utils.dry_run.start_dry_run`), tells `utils.claims` which preset judges claims, gives every
    Learner the device audit of `utils.device_audit` (naming `notebook` in its errors), shows
    figures at FIGURE_DPI, those of photos as JPEG (the
    copies `keep_figure` saves keep 100 dpi and PNG) and seeds Python, NumPy and torch with `seed`.
    `claims` says what a false `claim(...)` does (`utils.claims`): "auto" stops a `cpu` run and
    warns on `full`; "warn" warns on any preset (after changing a setting, since the prose
    describes the committed run); "stop" stops on any preset.
    Bad values stop here, before anything is built: an unknown preset, a seed NumPy cannot take, a
    non-bool dry_run, a notebook name that cannot name a file, and the notebook's own input
    (`my_image`, `my_text`) when one is given (`utils.reuse.check_inputs`).
    """
    from . import claims as claim_checks
    from .checkpoints import install as install_checkpoints
    from .device_audit import install as install_device_audit
    from .dry_run import requested, start_dry_run
    from .gpu import doctor
    from .measure import install as install_measure
    from .presets import banner, check_seed, resolve_preset, set_deterministic, set_seed
    from .results import check_name
    from .reuse import check_inputs

    resolved, seed = resolve_preset(preset), check_seed(seed)
    claim_mode = claim_checks.resolve_mode(claims)
    requested(dry_run)  # checks dry_run and LESSON7_DRY_RUN before anything is printed
    check_name(notebook, "NOTEBOOK")
    check_inputs(my_image=my_image, my_text=my_text)
    warnings_filters.apply()
    set_deterministic(True)  # until the settings say otherwise (utils.gpu.configure)
    banner(preset, notebook)
    advice = doctor()
    if advice:
        print(advice)
    on = start_dry_run(dry_run)
    import matplotlib

    from .plots import show_photos_as_jpeg

    matplotlib.rcParams["figure.dpi"] = FIGURE_DPI
    show_photos_as_jpeg()
    set_seed(seed)
    claim_checks.start(resolved, on, claim_mode)
    install_device_audit(notebook)
    install_measure()
    install_checkpoints(notebook, resolved, on)
    return resolved, on
