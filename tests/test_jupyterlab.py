"""Every solution notebook opened and run in a real JupyterLab, in headless Chromium, in quick mode.

JupyterLab starts on 127.0.0.1 at a port the system gives it, on a copy of the notebooks (so nothing it saves
touches the repo), with CHARRNN_QUICK=1 in the kernels' environment and `window.jupyterapp` exposed: cells, outputs
and execution are read and driven through the app's model and commands, since JupyterLab 4 renders only the cells in
view. A cell that needs a corpus this machine cannot get is not run, by the same rule nbval applies (the root
conftest.py): this test collects the solution notebooks under nbval and reads which cells that rule skipped. The
interactive sampler (charrnn_lib/lessons/interactive.py) must render its controls and print a sample when its button
is pressed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser import chromium, missing_browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT_S = 600

pytestmark = pytest.mark.skipif(missing_browser() is not None, reason=f"browser check: {missing_browser()}")

OPEN_NOTEBOOK_JS = """
const [path, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute("docmanager:open", {path, factory: "Notebook"});
  await panel.context.ready;
  await panel.sessionContext.ready;
  window.charrnnPanel = panel;
  const cells = panel.content.model.cells;
  done(Array.from({length: cells.length}, (_, i) => [cells.get(i).id, cells.get(i).type]));
})().catch((error) => done(String(error)));
"""

RUN_CELL_JS = """
const [index, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const app = window.jupyterapp, panel = window.charrnnPanel;
  app.shell.activateById(panel.id);
  panel.content.activeCellIndex = index;
  panel.content.deselectAll();
  const ran = await app.commands.execute("notebook:run-cell");
  const cell = panel.content.model.cells.get(index);
  done({ran, count: cell.executionCount, outputs: cell.outputs.toJSON()});
})().catch((error) => done({ran: false, error: String(error), outputs: []}));
"""

SHOW_CELL_JS = """
const [index, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const panel = window.charrnnPanel;
  await panel.content.scrollToItem(index, "start");
  const node = panel.content.widgets[index].node;
  const wait = () => node.querySelector(".widget-interact button") ? done(node) : setTimeout(wait, 100);
  wait();
})().catch((error) => done(String(error)));
"""

CLOSE_NOTEBOOK_JS = """
const done = arguments[arguments.length - 1], panel = window.charrnnPanel;
panel.sessionContext.shutdown().then(() => { panel.context.model.dirty = false; panel.dispose(); done(); });
"""


def corpus_skips() -> dict[str, dict[str, str]]:
    """{notebook: {cell id: reason}} for the cells the root conftest's rule skips here, read from nbval's collection."""
    skips: dict[str, dict[str, str]] = {}

    class Recorder:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            for item in items:
                marker, cell = item.get_closest_marker("skip"), getattr(item, "cell", None)
                if marker is not None and cell is not None:
                    skips.setdefault(item.path.name, {})[cell.get("id")] = marker.kwargs.get("reason", "")

    code = pytest.main(["--nbval", "--collect-only", "-qq", "-p", "no:xdist", "--rootdir", str(ROOT),
                        str(ROOT / "notebooks" / "solutions")], plugins=[Recorder()])
    if code != pytest.ExitCode.OK:
        raise SystemExit(f"collecting the notebooks under nbval failed: {code}")
    return skips


def server_info(runtime: Path, server: subprocess.Popen, log: Path) -> dict[str, Any]:
    """What a starting JupyterLab wrote about itself (its port, among others), once it listens; fails if it died."""
    info = runtime / f"jpserver-{server.pid}.json"
    deadline = time.monotonic() + 120
    while True:
        try:
            return json.loads(info.read_text())
        except (OSError, ValueError):  # not written yet, or half written
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab on a copy of the lessons, in quick mode; yields its URL with the token.

    It listens on a port the system gives it when it binds (port 0; the port is read back from its runtime file),
    and its kernels on Unix sockets, as the root conftest.py's: a port chosen here and bound later, by another
    process, can meanwhile be taken by any connection this machine makes. Unix socket paths must stay short, so the
    runtime folder is a short one of its own.
    """
    work = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks" / "solutions", work / "notebooks" / "solutions")
    shutil.copytree(ROOT / "assets", work / "assets")  # the lessons' diagrams, by their relative links
    runtime = Path(tempfile.mkdtemp(prefix="charrnn-lab-"))
    token = secrets.token_hex(16)
    env = {**os.environ, "CHARRNN_QUICK": "1", "JUPYTER_CONFIG_DIR": str(work / ".jupyter"),
           "JUPYTERLAB_SETTINGS_DIR": str(work / ".settings"), "JUPYTERLAB_WORKSPACES_DIR": str(work / ".workspaces"),
           "JUPYTER_RUNTIME_DIR": str(runtime)}
    log_path = work / "jupyterlab.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--KernelManager.transport=ipc",
         "--allow-root", "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{server_info(runtime, server, log_path)['port']}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.5)
        yield f"{url}/lab?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture(scope="module")
def app(lab: str) -> Iterator[Any]:
    """Chromium with JupyterLab loaded and restored."""
    with chromium() as driver:
        driver.set_script_timeout(CELL_TIMEOUT_S)
        driver.get(lab)
        driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const wait = () => window.jupyterapp ? jupyterapp.restored.then(() => done()) : setTimeout(wait, 100);
            wait();""")
        yield driver


@pytest.fixture(scope="module")
def skips() -> dict[str, dict[str, str]]:
    """corpus_skips(), collected in a process of its own (a pytest run inside this one would share its state)."""
    run = subprocess.run([sys.executable, __file__], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])


def check_sampler(driver: Any, index: int) -> str:
    """Press the sampler's button in the widget of cell `index`; returns the sample it prints."""
    from selenium.webdriver.support.ui import WebDriverWait

    cell = driver.execute_async_script(SHOW_CELL_JS, index)
    assert not isinstance(cell, str), cell
    interact = cell.find_element("css selector", ".widget-interact")
    assert len(interact.find_elements("css selector", ".widget-slider")) >= 4  # length, temperature, top n, top p
    assert interact.find_elements("css selector", ".widget-text input")  # the start string
    assert interact.find_elements("css selector", ".widget-dropdown select")  # the checkpoint
    interact.find_element("css selector", "button").click()
    output = interact.find_element("css selector", ".widget-output")
    return WebDriverWait(driver, 300).until(lambda _: output.text.strip())


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(app: Any, skips: dict[str, dict[str, str]], notebook: Path) -> None:
    cells = app.execute_async_script(OPEN_NOTEBOOK_JS, f"notebooks/solutions/{notebook.name}")
    assert isinstance(cells, list), cells
    skipped = skips.get(notebook.name, {})
    code = [index for index, (_, kind) in enumerate(cells) if kind == "code"]
    to_run = [index for index in code if cells[index][0] not in skipped]
    errors, samplers, samples = [], [], []
    try:
        for index in to_run:
            result = app.execute_async_script(RUN_CELL_JS, index)
            errors += [f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
                       for output in result["outputs"] if output["output_type"] == "error"]
            assert result["ran"] and not errors and "error" not in result, \
                f"cell {index}: {result.get('error')} {errors}"
            if any(WIDGET_VIEW in output.get("data", {}) for output in result["outputs"]):
                samplers.append(index)
        samples = [check_sampler(app, index) for index in samplers]
    finally:
        app.execute_async_script(CLOSE_NOTEBOOK_JS)
    print(f"\n{notebook.name}: {len(to_run)} of {len(code)} code cells run in JupyterLab, {len(errors)} error outputs,"
          f" {len(samples)} sampler widgets pressed")
    for sample in samples:
        print(f"  sampler printed: {sample[:120]!r}")
    if not to_run:
        pytest.skip(f"{notebook.name}: {next(iter(skipped.values()))}")
    run_ids = {cells[index][0] for index in to_run}
    sampler_cells = [cell for cell in nbformat.read(notebook, as_version=4).cells
                     if cell.cell_type == "code" and "sampler_controls(" in cell.source and cell.id in run_ids]
    assert len(samples) >= len(sampler_cells), "a cell calls the interactive sampler, but no widget appeared"


if __name__ == "__main__":  # the skips fixture runs this file to collect the notebooks in a process of its own
    print(json.dumps(corpus_skips()))
