"""Peers: software nobody here wrote, started and stopped inside the tests, on 127.0.0.1.

- ``fhir_peer``: @medplum/fhir-router 4.5 (MemoryRepository) behind ``fhir_server.mjs``
  on Node 20, installed from ``package-lock.json`` by ``setup.sh`` (``npm ci``). No
  Node or npm on the machine: the FHIR peer tests skip with that reason (shown by
  ``-ra``); an install that fails is a test error, never a pass.
- The OIDC peer (Canaille, from pytest-iam) lives in ``test_oidc_canaille.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE_MIN = (20, 19)
START_TIMEOUT_S = 60.0


def _node_or_skip() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("FHIR peer needs Node >= 20.19 and npm on PATH (not found)")
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,
                         check=False).stdout.strip()
    match = re.match(r"v(\d+)\.(\d+)", out)
    if not match or (int(match[1]), int(match[2])) < NODE_MIN:
        pytest.skip(f"FHIR peer needs Node >= 20.19, found {out or 'none'}")
    return node


@pytest.fixture(scope="session")
def node_peers() -> str:
    """Node, with tests/peers/node_modules installed from the lock file."""
    node = _node_or_skip()
    proc = subprocess.run(["bash", str(HERE / "setup.sh")], capture_output=True, text=True,
                          timeout=300, check=False)
    if proc.returncode != 0:
        pytest.fail(f"tests/peers/setup.sh failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return node


class NodeServer:
    """``node fhir_server.mjs``: stops when told, or when our end of its stdin closes."""

    def __init__(self, node: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("npm_")}
        self.proc = subprocess.Popen(
            [node, str(HERE / "fhir_server.mjs"), "0"], cwd=HERE, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port = self._wait_listening()
        self.base_url = f"http://127.0.0.1:{self.port}/fhir/R4"

    def _wait_listening(self) -> int:
        found: list[str] = []
        assert self.proc.stdout is not None
        stdout = self.proc.stdout

        def read() -> None:
            found.append(stdout.readline())

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        match = re.match(r"LISTENING (\d+)", found[0]) if found else None
        if match is None:
            self.stop()
            pytest.fail(f"FHIR peer did not start: {found!r} {self.stderr[-2000:]}")
        return int(match[1])

    stderr = ""

    def stop(self) -> None:
        proc = self.proc
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr is not None:
            self.stderr = proc.stderr.read()
            proc.stderr.close()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture(scope="module")
def fhir_peer(node_peers: str) -> Iterator[NodeServer]:
    server = NodeServer(node_peers)
    try:
        yield server
    finally:
        server.stop()
