"""pytest set-up shared by tests/ and the nbval run over notebooks/."""

import os

# The test suite always runs notebooks on the `smoke` preset, whatever the shell has exported:
# papermill and nbval kernels inherit this environment.
os.environ["LESSON7_PRESET"] = "smoke"
