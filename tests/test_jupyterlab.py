"""Charts and the explorer draw in JupyterLab with the network off: finacct's renderer emits
the Vega-Lite mimetype, which JupyterLab 4 draws with its own Vega, so nothing is fetched from
a CDN. JupyterLab runs the notebook in headless Chromium, driven over the DevTools protocol."""
from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import CHROMIUM, SAMPLE

websocket = pytest.importorskip("websocket", reason="websocket-client (the test extra) drives Chromium")

SCREENSHOT = Path(tempfile.gettempdir()) / "finacct_jupyterlab.png"
CELLS = [f"import finacct\nd = finacct.load({str(SAMPLE)!r})\nfrom finacct import charts\ncharts.structure(d)",
         "from finacct.widgets import explore\nexplore(d)"]
BLOCK_NETWORK = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=127.0.0.1:9",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"]
KERNEL_IDLE = """(() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = p && p.sessionContext && p.sessionContext.session && p.sessionContext.session.kernel;
  return k ? k.status : null; })()"""
# Each chart drawn: an SVG with marks, or a canvas with painted pixels.
CHARTS = """[...document.querySelectorAll('.jp-OutputArea .vega-embed .marks')].map(m => {
  if (m.tagName.toLowerCase() === 'svg') return m.querySelectorAll('path, rect').length;
  if (!m.width) return 0;
  const px = m.getContext('2d').getImageData(0, 0, m.width, m.height).data;
  let painted = 0; for (let i = 3; i < px.length; i += 4) if (px[i]) painted++;
  return painted; })"""
BAD = ("Error loading script", "Traceback", "Error displaying widget", "Javascript Error")
FIRST_OUTPUT = """(() => { const o = window.jupyterapp.shell.currentWidget.content.model.cells.get(0).outputs.get(0);
  return o.data; })()"""
DROPDOWNS = "[...document.querySelectorAll('.jp-OutputArea .widget-dropdown label')].map(l => l.textContent)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, probe: Callable[[], Any], timeout: float) -> Any:
    """Poll until probe() is truthy; its last value is in the failure message."""
    end, value = time.monotonic() + timeout, None
    while time.monotonic() < end:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what} (last: {value!r})")


def _get_json(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return json.load(r)
    except OSError:
        return None


class DevTools:
    """Just enough of the Chrome DevTools protocol: call a method, evaluate an expression."""

    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.id = 0

    def call(self, method: str, **params: Any) -> dict:
        self.id += 1
        self.ws.send(json.dumps({"id": self.id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def eval(self, expression: str, await_promise: bool = False) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=await_promise)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """JupyterLab on 127.0.0.1 serving a notebook with a chart cell and an explorer cell; yields its URL."""
    root = tmp_path / "notebooks"
    root.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "x.ipynb")
    port, token = _free_port(), os.urandom(12).hex()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    log = tmp_path / "jupyter.log"
    server = subprocess.Popen([str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
                               f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
                               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                              env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        if not _wait("jupyter lab to answer", lambda: server.poll() is not None or _get_json(
                f"http://127.0.0.1:{port}/api/status?token={token}"), 30) is not True:
            pytest.fail(f"jupyter lab exited {server.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        yield f"http://127.0.0.1:{port}/lab/tree/x.ipynb?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Callable[[str], DevTools]]:
    """Headless Chromium that reaches 127.0.0.1 only; call it with a URL to get the page's DevTools."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    profile = tmp_path / "chromium"
    procs: list[subprocess.Popen] = []

    def open_page(url: str) -> DevTools:
        procs.append(subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                       *BLOCK_NETWORK, "--window-size=1400,2200", "--remote-debugging-port=0",
                                       f"--user-data-dir={profile}", url],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        active = profile / "DevToolsActivePort"
        port = _wait("chromium's DevTools port", lambda: active.exists() and active.read_text().split("\n")[0], 20)
        pages = _wait("the page", lambda: [t for t in _get_json(f"http://127.0.0.1:{port}/json/list") or []
                                           if t["type"] == "page" and "/lab" in t["url"]], 20)
        return DevTools(pages[0]["webSocketDebuggerUrl"])

    try:
        yield open_page
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(profile, ignore_errors=True)


def test_a_chart_and_the_explorer_draw_in_jupyterlab_offline(lab: str, browser: Callable[[str], DevTools]) -> None:
    page = browser(lab)
    assert page.eval("fetch('https://cdn.jsdelivr.net/npm/vega@5').then(() => 'reached', () => 'blocked')",
                     await_promise=True) == "blocked", "the browser must not reach the internet"
    _wait("the notebook's kernel", lambda: page.eval(KERNEL_IDLE) == "idle", 30)
    page.eval("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    def finished() -> bool:
        """The structure chart and the explorer (six dropdowns and a chart) drawn, or an error shown."""
        drawn = len(page.eval(DROPDOWNS)) >= 6 and sum(n > 0 for n in page.eval(CHARTS)) >= 2
        return (drawn and page.eval(KERNEL_IDLE) == "idle") or any(bad in page.eval("document.body.innerText") for bad in BAD)

    try:
        _wait("two drawn charts and the explorer's dropdowns", finished, 45)
    finally:
        shot = page.call("Page.captureScreenshot", format="png")
        SCREENSHOT.write_bytes(base64.b64decode(shot["data"]))
    dom = page.eval("document.body.innerText") + page.eval("document.documentElement.outerHTML")
    for bad in BAD:
        assert bad not in dom, f"{bad!r} on the page (screenshot: {SCREENSHOT})"
    assert page.eval(DROPDOWNS)[:6] == ["部门", "年度", "表", "类", "款", "项"]
    chart = page.eval(FIRST_OUTPUT)   # the structure chart as the mimetype, no HTML loading scripts
    assert "text/html" not in chart and "一般公共预算财政拨款支出结构" in chart["application/vnd.vegalite.v5+json"]["title"]
