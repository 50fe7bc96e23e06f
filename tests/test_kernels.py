"""The kernels the tests start listen on Unix sockets (the root conftest.py says why), nbval's included."""

from __future__ import annotations

import os

import nbval.kernel
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook


def test_nbval_starts_its_kernels_on_unix_sockets_of_their_own():
    managers = []
    try:
        for _ in range(2):
            manager, client = nbval.kernel.start_new_kernel(kernel_name="python3")
            managers.append(manager)
            client.stop_channels()
        first, second = (manager.get_connection_info() for manager in managers)
        assert first["transport"] == second["transport"] == "ipc"
        assert os.path.isabs(first["ip"]) and first["ip"] != second["ip"]
        assert os.path.exists(f"{first['ip']}-{first['shell_port']}")  # the socket the kernel bound
    finally:
        for manager in managers:
            manager.shutdown_kernel(now=True)
    assert not os.path.exists(f"{first['ip']}-{first['shell_port']}")  # removed with the kernel


def test_a_notebook_client_given_kernel_config_runs_its_kernel_on_unix_sockets(kernel_config, tmp_path):
    notebook = new_notebook(cells=[new_code_cell("print(6 * 7)")])
    client = NotebookClient(notebook, kernel_name="python3", config=kernel_config,
                            resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        assert client.km.get_connection_info()["transport"] == "ipc"
        client.execute_cell(notebook.cells[0], 0)
    assert notebook.cells[0].outputs[0]["text"] == "42\n"
