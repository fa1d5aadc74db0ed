"""Kiosk mode in the real session (issue 15, item 11; R-KSK-4, R-KSK-8).

The kiosk runs as cage's program, as ``installer/systemd/kiosk.service`` starts it (its
cage options and its environment, read from the unit), in Debian's cage 0.1.4 with
wlroots' headless backend and the pixman renderer: no GPU, no seat, no screen needed.
``tests/shipping/cage_probe.py`` reports from inside the kiosk what the compositor did
with the window; this test checks the report: the window is frameless and as large as
the output, a widget grab of every step has that size, nothing is clipped, Welcome
needs no scrolling, every patient screen passes the layout test's rules at this size,
and after the staff panel's «Выйти из режима киоска» and «Закрыть» kiosk mode is back
(item 3). cage exiting when its program exits (what the unit's restart relies on) is
checked on the way: the test waits for cage, not for the probe.

The outputs: the headless backend of wlroots 0.15 makes 1280×720 outputs only, and
cage 0.1.4 has no option for a mode; ``cage -r`` turns the output to 720×1280. Both are
the smallest screen the kiosk supports (docs/deploy.md).

cage refuses to run as root. As root (CI), cage and the kiosk run as ``nobody``
(``setpriv``), with an ``XDG_RUNTIME_DIR`` that user owns, and with the test's own
Python if that user can read it, else Debian's ``python3`` of the same version; the
site-packages and the sources are hard links in a temporary folder, so a checkout in a
folder that user cannot read works too.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kiosk.ui.window import ORDER

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "installer" / "systemd" / "kiosk.service"
#: The kiosk is ready in about a second; a loaded CI machine gets a lot more.
CAGE_TIMEOUT_S = 45
LANDSCAPE, PORTRAIT = (1280, 720), (720, 1280)
#: Runs the probe module with ``site-packages`` and the sources of the staged tree.
BOOT = ("import runpy, site, sys; site.addsitedir(sys.argv[1]); sys.path.insert(0, sys.argv[2]); "
        "sys.argv = sys.argv[3:]; runpy.run_module(sys.argv[0], run_name='__main__', "
        "alter_sys=True)")


def unit_session() -> tuple[list[str], dict[str, str]]:
    """cage's options and the environment of ``kiosk.service``."""
    text = UNIT.read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE)
    assert exec_start, "kiosk.service has no ExecStart"
    words = shlex.split(exec_start.group(1))
    assert Path(words[0]).name == "cage" and "--" in words, words
    env: dict[str, str] = {}
    for line in re.findall(r"^Environment=(.*)$", text, re.MULTILINE):
        env.update(dict(word.split("=", 1) for word in shlex.split(line)))
    return words[1:words.index("--")], env


@dataclass
class Session:
    """Everything needed to start cage with the probe as its program."""

    cage: str
    drop: list[str]  # the command prefix that leaves root (empty when not root)
    uid: int
    gid: int
    python: list[str]  # the probe's interpreter and bootstrap, up to the module name
    base: Path


def _drop_root() -> tuple[list[str], int, int]:
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, cage refuses root, and setpriv (util-linux) is missing")
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("running as root, cage refuses root, and there is no user nobody")
    return ([setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"],
            user.pw_uid, user.pw_gid)


def _hard_links(src: Path, dst: Path) -> None:
    """A copy that costs nothing on the same file system (``cp -al``), else a copy."""
    if subprocess.run(["cp", "-a", "--link", str(src), str(dst)], capture_output=True,
                      check=False).returncode != 0:
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst, symlinks=True)


def _stage(base: Path) -> tuple[Path, Path]:
    """site-packages and the sources (``kiosk``, ``tests``) where the user can read them."""
    tree = base / "tree"
    src = tree / "src"
    src.mkdir(parents=True)
    site = tree / "site-packages"
    _hard_links(Path(sysconfig.get_paths()["purelib"]), site)
    platlib = Path(sysconfig.get_paths()["platlib"])
    if platlib != Path(sysconfig.get_paths()["purelib"]):
        for entry in platlib.iterdir():
            if not (site / entry.name).exists():
                _hard_links(entry, site / entry.name)
    for package in ("kiosk", "tests"):
        _hard_links(ROOT / package, src / package)
    for folder in [tree, *tree.rglob("*")]:
        if folder.is_dir() and not folder.is_symlink():
            folder.chmod(folder.stat().st_mode | 0o555)
    return site, src


def _minimal_env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
            "KIOSK_CONFIG": ""}


def _probe_python(drop: list[str], base: Path, site: Path, src: Path) -> list[str]:
    """The first interpreter that can import the probe as the user cage runs as."""
    tried = []
    for python in dict.fromkeys([sys.executable, "/usr/bin/python3"]):
        cmd = [python, "-I", "-B", "-c", BOOT, str(site), str(src), "tests.shipping.cage_probe"]
        # Through env, as cage starts its program: setpriv itself still looks the file
        # up with root's capabilities, so it starts what cage could not.
        proc = subprocess.run([*drop, "env", *cmd, "--check"], env=_minimal_env(base), cwd=base,
                              capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode == 0:
            return cmd
        tried.append(f"{python}: {(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    pytest.skip("no Python the cage user can run the probe with: " + "; ".join(tried))


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    cage = shutil.which("cage")
    if cage is None:
        pytest.skip("cage is not installed (Debian package cage: `./dev test` as root "
                    "installs it)")
    drop, uid, gid = _drop_root()
    base = Path(tempfile.mkdtemp(prefix="kiosk-cage-"))
    try:
        base.chmod(0o755)
        site, src = _stage(base)
        yield Session(cage, drop, uid, gid, _probe_python(drop, base, site, src), base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_in_cage(session: Session, name: str, cage_options: list[str],
                keep: Path) -> dict[str, Any]:
    """One cage session with the probe as its program; the probe's report."""
    _, unit_env = unit_session()
    runtime, out = session.base / f"run-{name}", session.base / f"out-{name}"
    for folder in (runtime, out):
        folder.mkdir(mode=0o700)
        os.chown(folder, session.uid, session.gid)
    report = out / "report.json"
    env = {**_minimal_env(runtime), **unit_env, "XDG_RUNTIME_DIR": str(runtime),
           "WLR_BACKENDS": "headless", "WLR_RENDERER": "pixman", "WLR_HEADLESS_OUTPUTS": "1",
           "WLR_LIBINPUT_NO_DEVICES": "1"}
    cmd = [*session.drop, session.cage, *cage_options, "--", *session.python,
           str(report), str(out)]
    proc = subprocess.Popen(cmd, env=env, cwd=session.base, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=CAGE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # cage, the probe and Xwayland: our group
        log, _ = proc.communicate()
        pytest.fail(f"cage did not exit {CAGE_TIMEOUT_S} s after it started:\n{log[-3000:]}")
    finally:
        shutil.copytree(out, keep / name, ignore=shutil.ignore_patterns("print"),
                        dirs_exist_ok=True)
    assert report.exists(), f"no report (cage exit {proc.returncode}):\n{log[-3000:]}"
    result = json.loads(report.read_text(encoding="utf-8"))
    assert proc.returncode == 0 and "error" not in result, (result.get("error"), log[-3000:])
    print(f"\ncage {' '.join(cage_options)}: ready in {result['ready_s']} s; "
          f"pictures in {keep / name}")
    return result


def _steps(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in report["steps"]}


def assert_kiosk_mode(step: dict[str, Any], size: tuple[int, int]) -> None:
    """Frameless, as large as the output, no decoration, nothing clipped in the grab."""
    what = step["step"]
    assert tuple(step["output"][2:]) == size, (what, step["output"])
    for key in ("geometry", "frame"):  # Wayland does not tell a window where it is
        assert tuple(step[key][2:]) == size, (what, key, step[key])
    assert tuple(step["grab"]) == size, (what, step["grab"])
    assert step["frameless"] and step["kiosk_mode"], what
    assert step["margins"] == [0, 0, 0, 0], (what, step["margins"])
    # Full screen as cage 0.1.4 grants it: it ignores the request and maximizes every
    # window to the whole output (it has no panel to leave room for).
    assert step["states"] in (["fullscreen"], ["maximized"]), (what, step["states"])
    assert step["colours"] > 3, f"{what}: the grab is blank"
    assert step["clipped"] == [], (what, step["clipped"])


@pytest.mark.parametrize(("name", "extra", "size"), [("landscape", [], LANDSCAPE),
                                                     ("portrait", ["-r"], PORTRAIT)])
def test_kiosk_fills_the_cage_output_frameless_and_comes_back_after_staff_R_KSK_4(
        session: Session, tmp_path: Path, name: str, extra: list[str],
        size: tuple[int, int]) -> None:
    """Issue 15, items 3 and 11: in the session the unit starts, at the smallest screen."""
    options, _ = unit_session()
    report = run_in_cage(session, name, [*options, *extra], tmp_path)
    assert report["ready_s"] < 10
    steps = _steps(report)
    welcomes = ("welcome", "welcome after the staff panel", "welcome in English")
    assert list(steps) == ["welcome", "patient session", "staff panel", "kiosk mode left",
                           "welcome after the staff panel", "welcome in English"]
    for step in (*welcomes, "patient session", "staff panel"):
        assert_kiosk_mode(steps[step], size)
    for step in welcomes:
        # The first screen scrolls nowhere: «Высокий контраст» below the fold is lost.
        assert steps[step]["off_screen"] == [], (step, steps[step]["off_screen"])
    left = steps["kiosk mode left"]  # the staff's choice while the panel is open
    assert not left["frameless"] and not left["kiosk_mode"]
    patient = report["patient"]
    assert set(ORDER) - {"staff"} <= set(patient["screens"]), patient["screens"]
    assert (patient["clipped"], patient["small"], patient["contrast"]) == ([], [], []), patient


def test_frameless_hint_alone_keeps_the_window_decorations_away_R_KSK_4(
        session: Session, tmp_path: Path) -> None:
    """Without cage's ``-d`` an ordinary Qt window gets client-side decorations with a
    close button (what the staff's «Выйти из режима киоска» shows); the kiosk's
    frameless hint keeps them away on its own, before and after the staff panel."""
    options, _ = unit_session()
    report = run_in_cage(session, "decorated", [o for o in options if o != "-d"], tmp_path)
    steps = _steps(report)
    left = steps["kiosk mode left"]
    assert not left["frameless"] and left["margins"][1] >= 20, left["margins"]  # a title bar
    for step in ("welcome", "staff panel", "welcome after the staff panel"):
        assert steps[step]["frameless"] and steps[step]["margins"] == [0, 0, 0, 0], step
        assert tuple(steps[step]["frame"][2:]) == LANDSCAPE, steps[step]
