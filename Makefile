# The lesson's two commands: `make run` (run every notebook) and `make test` (the whole test suite);
# `make bench` times them.
# All three create .venv on first use. PYTHON picks the interpreter that creates it (3.10 or newer).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PRESET ?= auto

.PHONY: run test save bench lab images notebooks site site-check lint clean check-full check-gpu-branch gpu-check

# venv, pinned requirements, this repo installed editable, and a Jupyter kernel inside the venv
# that papermill, nbval and JupyterLab all use.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name lesson7 --display-name "Python (lesson7)"
	touch $(STAMP)

run: $(STAMP)  ## run every notebook headlessly on PRESET (default: auto) into runs/ (nothing else)
	$(BIN)/python -m tools.run --preset $(PRESET)

save:  ## write the notebooks' #@save cells into their utils/ modules (tools/save_cells.py lists them)
	$(PYTHON) -m tools.save_cells

bench: $(STAMP)  ## fastai's fit vs a plain loop; time per section of the notebooks in ONLY (or all)
	$(BIN)/python -m tools.bench --preset $(PRESET) $(if $(ONLY),--only $(ONLY))

test: $(STAMP) lint  ## lint, unit tests, papermill smoke runs and nbval over the notebooks
	LESSON7_PRESET=smoke $(BIN)/python -m pytest

check-full: $(STAMP)  ## the full preset's whole code path, offline, each fit cut to 2 batches (any machine)
	$(BIN)/python -m tools.run --preset full --source offline --dry-run --out runs/check-full

check-gpu-branch: $(STAMP)  ## the full dry run cut as on a GPU (its batch sizes, 2 batches each), on any machine
	$(BIN)/python -m tools.run --preset full --source offline --dry-run --gpu-branch --out runs/check-gpu-branch

gpu-check: $(STAMP)  ## on a CUDA GPU: every notebook on smoke and as a full dry run; report in results/gpu/
	$(BIN)/python -m tools.gpu_check

lint: $(STAMP)
	$(BIN)/ruff check .

lab: $(STAMP)  ## JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks/

images: $(STAMP)  ## redraw every diagram in images/
	$(BIN)/python -m tools.diagrams

notebooks: $(STAMP)  ## re-run on cpu; outputs back into notebooks/, results into results/
	$(BIN)/python -m tools.run --preset cpu --update-notebooks --publish

site: $(STAMP)  ## the course website in site/, from the committed notebooks (not re-run)
	$(BIN)/python -m tools.site

site-check: $(STAMP)  ## the site, then every page in headless Chromium; screenshots in site/_screenshots/
	$(BIN)/python -m tools.site --browser

clean:
	rm -rf $(VENV) runs site .pytest_cache .ruff_cache
