"""The environment variables this project reads, named once (imports nothing)."""

PRESET = "LESSON7_PRESET"  # smoke, cpu, full or auto: the preset a notebook's "auto" resolves to
CACHE = "LESSON7_CACHE"  # where the offline stand-ins are built (default ~/.cache/lesson7)
SOURCE = "LESSON7_SOURCE"  # fastai or offline: where datasets come from (default: the preset's)
DRY_RUN = "LESSON7_DRY_RUN"  # 1: every fit cut short (the runner's --dry-run, make check-full)
RUN_DIR = "LESSON7_RUN_DIR"  # set by the runner: the run folder results and figures are saved in
TEST_JOBS = "LESSON7_TEST_JOBS"  # notebooks the test suite executes at once (default 2)
MEASURE = "LESSON7_MEASURE_S"  # seconds: a real run whose training stops then, measured (gpu-check)
RESUME = "LESSON7_RESUME"  # 0: a full re-run trains every fit again, restoring none it finished
CLAIMS = "LESSON7_CLAIMS"  # warn: a false claim warns on any preset (after changing a setting)

ALL = (PRESET, CACHE, SOURCE, DRY_RUN, RUN_DIR, TEST_JOBS, MEASURE, RESUME, CLAIMS)
