"""pytest set-up shared by tests/ and the nbval run over notebooks/."""

import os

# The test suite always runs notebooks on the `smoke` preset, whatever the shell has exported:
# papermill and nbval kernels inherit this environment.
os.environ["LESSON7_PRESET"] = "smoke"
# Smoke-sized models gain nothing from several threads, and on a busy 2-core machine OpenMP threads
# that wait for each other slow small operations down many times over: one thread per kernel.
os.environ.setdefault("OMP_NUM_THREADS", "1")
