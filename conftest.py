"""pytest set-up for the whole repository (tests/ and anything run with pytest from here)."""

import os

# The test suite always runs notebooks on the `smoke` preset, whatever the shell has exported:
# the papermill kernels inherit this environment.
os.environ["LESSON7_PRESET"] = "smoke"
# Smoke-sized models gain nothing from several threads, and on a busy 2-core machine OpenMP threads
# that wait for each other slow small operations down many times over: one thread per kernel.
os.environ.setdefault("OMP_NUM_THREADS", "1")
