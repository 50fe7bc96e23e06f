# Two commands on a fresh machine (see README):  make poem  ·  make test   (then `make lab` opens the course)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Extras: cpu (tensorflow-cpu) by default; `make install EXTRAS=gpu,dev` for NVIDIA GPUs.
EXTRAS ?= cpu,dev
POEM_STEPS ?= 2000
# The site shows each exercise answer folded ("Show the answer"); `make site SITE_ANSWERS=omit` leaves them out.
SITE_ANSWERS ?= fold

.PHONY: install poem test lab lint notebooks exercises assets bench clean site

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[$(EXTRAS)]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# The main job: train briefly on the Tang poems with the seed lesson's poetry model (embedding 128, LSTM 128 × 2,
# 3,500 characters), a higher learning rate and lighter dropout so a few minutes suffice, then write a poem.
poem: install
	$(BIN)/charrnn train --dataset tang --name poem --use_embedding --num_seqs 32 --num_steps 26 \
		--lstm_size 128 --num_layers 2 --max_vocab 3500 --learning_rate 0.005 --train_keep_prob 0.8 --unigram_output_bias \
		--max_steps $(POEM_STEPS) --save_every_n 500 --log_every_n 100 --seed 1
	$(BIN)/charrnn sample --checkpoint_path model/poem --start_string 春 --max_length 60 --seed 1

# The course as a static site in build/site/html, from the committed notebooks and their outputs (nothing is run).
# Open it with: python3 -m http.server --bind 127.0.0.1 --directory build/site/html 8000
site: $(VENV)/.site-installed
	$(BIN)/python tools/build_site.py --answers $(SITE_ANSWERS)

# The site's own extra (Sphinx, myst-nb, fontTools), into the same .venv; no TensorFlow is needed to build it.
$(VENV)/.site-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e ".[site]"
	touch $@

# JAX, so that make test runs the library on a second Keras backend (tests/test_backends.py); PyTorch is left to
# `make install EXTRAS=cpu,dev,torch` (its default wheel brings CUDA, gigabytes CI does not need).
$(VENV)/.jax-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e ".[jax]"
	touch $@

# Everything CI checks: lint, unit tests, exercise drift, bilingual lint, diagrams, nbval on the solutions, and the
# browser checks (the site and every lesson in JupyterLab, in Chromium; skipped with a reason where it is missing).
# --dist loadfile: nbval runs a notebook's cells in order in one kernel, so each notebook stays on one worker.
test: install $(VENV)/.site-installed $(VENV)/.jax-installed lint
	CHARRNN_QUICK=1 CHARRNN_STRICT=1 $(BIN)/python -m pytest -n 2 --dist loadfile --nbval -rs --durations=15 tests notebooks/solutions

# Open the course in JupyterLab: notebooks/exercises to learn, notebooks/solutions to teach. JupyterLab refuses to
# run as root (containers, cloud VMs, classroom images) unless told to, so --allow-root is added for root only.
# LAB_ARGS passes anything else: make lab LAB_ARGS="--ip 0.0.0.0 --no-browser" in a container. Only warnings and the
# URL to open are shown, so that the URL is the first thing printed.
LAB_ARGS ?=
LAB_AS_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)
lab: install
	@echo "JupyterLab: open the URL with ?token= printed below; notebooks/exercises to learn, notebooks/solutions to teach."
	@echo "JupyterLab：请在浏览器中打开下方带 ?token= 的网址；学习用 notebooks/exercises，授课用 notebooks/solutions。"
	$(strip $(BIN)/jupyter lab notebooks $(LAB_AS_ROOT) --ServerApp.log_level=WARN --LabApp.log_level=WARN $(LAB_ARGS))

lint: install
	$(BIN)/ruff check .

exercises: install
	$(BIN)/python tools/make_exercises.py

assets: install
	$(BIN)/python tools/make_assets.py

bench: install
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_sample.py

clean:
	rm -rf $(VENV) model
