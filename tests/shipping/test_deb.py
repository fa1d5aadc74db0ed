"""The .deb (installer/build-deb): built from the bundle, inspected, unpacked into a
throwaway directory and run there; and, as root on a Debian machine without a real
kiosk installation, installed with ``dpkg -i`` for real and purged again.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import kiosk
from tests.shipping.conftest import run

pytestmark = pytest.mark.slow

RUNTIME_DEPENDS = {
    "libc6", "libglib2.0-0", "libgl1", "libegl1", "libx11-6", "libdbus-1-3", "libfontconfig1",
    "libfreetype6", "libxkbcommon0", "fonts-dejavu-core", "libcups2", "libwayland-client0",
    "libwayland-cursor0", "libwayland-egl1", "cage", "xwayland", "passwd", "espeak-ng",
}
UNITS = ("kiosk.service", "kiosk-sync.service", "kiosk-db-upgrade.service")


def field(deb: Path, name: str) -> str:
    proc = run(["dpkg-deb", "--field", str(deb), name])
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_deb_control(deb: Path) -> None:
    assert field(deb, "Package") == "kiosk"
    assert field(deb, "Version") == kiosk.__version__
    depends = {d.strip().split(" ")[0] for d in field(deb, "Depends").split(",")}
    assert depends >= RUNTIME_DEPENDS
    assert "libxcb-cursor0" in field(deb, "Recommends")  # the X11 (xcb) fallback
    proc = run(["dpkg-deb", "--ctrl-tarfile", str(deb)])
    assert proc.returncode == 0
    ctrl = run(["dpkg-deb", "--info", str(deb)]).stdout
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        assert script in ctrl


def test_deb_contents(deb: Path) -> None:
    listing = run(["dpkg-deb", "--contents", str(deb)]).stdout.splitlines()
    entries = {line.split()[-1] if " -> " not in line else line.split()[-3]: line
               for line in listing}
    assert entries["./etc/kiosk/kiosk.toml"].startswith("-rw-r----- root/root")
    assert "./usr/bin/kiosk -> /opt/kiosk/kiosk" in "\n".join(listing)
    assert entries["./opt/kiosk/kiosk"].startswith("-rwxr-xr-x root/root")
    for unit in UNITS:
        assert f"./lib/systemd/system/{unit}" in entries
    assert any(p.startswith("./opt/kiosk/_internal/kiosk/store/migrations/versions/")
               for p in entries)


@pytest.fixture(scope="module")
def unpacked(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    proc = run(["dpkg-deb", "-x", str(deb), str(root)])
    assert proc.returncode == 0, proc.stderr
    return root


def test_deb_unpacked_runs_version_and_check_config(unpacked: Path, tmp_path: Path) -> None:
    """The program in /opt/kiosk runs from wherever the package put it; the shipped
    /etc/kiosk/kiosk.toml is valid once its secret files exist."""
    kiosk_bin = str(unpacked / "opt" / "kiosk" / "kiosk")
    proc = run([kiosk_bin, "--version"])
    assert proc.stdout.strip() == f"kiosk {kiosk.__version__}"
    sample = unpacked / "etc" / "kiosk" / "kiosk.toml"
    proc = run([kiosk_bin, "check-config", str(sample)])
    assert proc.returncode == 2
    assert proc.stderr.count("cannot read /etc/kiosk/secrets/") == 6
    env = {}
    secrets = {
        "KIOSK_KIOSK_STAFF_PIN_HASH_FILE": "scrypt$x",
        "KIOSK_SECURITY_CODE_KEY_FILE": "ab" * 32,
        "KIOSK_PORTAL_CLIENT_SECRET_FILE": "s",
        "KIOSK_UPSTREAM_REGISTRY_KEY_FILE": "r",
        "KIOSK_UPSTREAM_SMS_KEY_FILE": "m",
        "KIOSK_UPSTREAM_SUPPORT_KEY_FILE": "d",
    }
    for key, value in secrets.items():
        path = tmp_path / key.lower()
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
        env[key] = str(path)
    proc = run([kiosk_bin, "check-config", str(sample)], env=env)
    assert proc.returncode == 0, proc.stderr


def test_deb_units_verify(unpacked: Path) -> None:
    """systemd accepts the units; only the programs absent on this machine may be named."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    units = [str(unpacked / "lib" / "systemd" / "system" / u) for u in UNITS]
    proc = run(["systemd-analyze", "verify", "--man=no", *units])
    complaints = [line for line in (proc.stdout + proc.stderr).splitlines()
                  if line.strip() and "is not executable" not in line]
    assert complaints == []
    text = (unpacked / "lib" / "systemd" / "system" / "kiosk.service").read_text()
    assert "ExecStart=/usr/bin/cage -d -- /usr/bin/kiosk run" in text
    assert "Restart=always" in text
    assert "User=kiosk" in text


# ---------------------------------------------------------------- a real installation


def _installed(package: str) -> bool:
    proc = run(["dpkg-query", "-W", "-f=${Status}", package])
    status = proc.stdout if proc.returncode == 0 else ""
    return "installed" in status and "not-installed" not in status


@pytest.fixture
def installed(deb: Path) -> Iterator[Path]:
    """``dpkg -i`` on this machine (root only), purged afterwards whatever happens.

    ``--force-depends``: cage, xwayland and the Wayland libraries are the session's, not
    needed to run the command-line checks; the purge leaves dpkg's state as it was.
    """
    if os.geteuid() != 0 or shutil.which("dpkg") is None:
        pytest.skip("installing a .deb needs root and dpkg (the unpacked tests still ran)")
    if _installed("kiosk") or Path("/opt/kiosk").exists():
        pytest.skip("a kiosk package is installed here; not touching a real installation")
    try:
        pwd.getpwnam("kiosk")
        pytest.skip("a user 'kiosk' exists already; not touching it")
    except KeyError:
        pass
    try:
        proc = run(["dpkg", "--force-depends", "-i", str(deb)], timeout=300)
        if proc.returncode != 0 and "lock" in proc.stderr and not _installed("kiosk"):
            pytest.skip(f"dpkg is busy (another install is running): {proc.stderr.strip()}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        yield Path("/")
    finally:
        purge = run(["dpkg", "--force-depends", "--purge", "kiosk"], timeout=300)
        assert purge.returncode == 0, purge.stdout + purge.stderr


def _as_kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run(["setpriv", "--reuid=kiosk", "--regid=kiosk", "--init-groups", "--", *args],
               env={"HOME": "/var/lib/kiosk", "USER": "kiosk", **(env or {})})


def test_deb_installs_and_purges(installed: Path, tmp_path: Path) -> None:
    """postinst makes user kiosk, /etc/kiosk (0640 root:kiosk config, 0700 secrets) and
    /var/lib/kiosk; user kiosk runs `kiosk check-config` and `kiosk db upgrade`."""
    user = pwd.getpwnam("kiosk")
    group = grp.getgrnam("kiosk")
    assert user.pw_shell == "/usr/sbin/nologin"
    assert user.pw_uid < 1000  # a system user
    conf = os.stat("/etc/kiosk/kiosk.toml")
    assert (stat.S_IMODE(conf.st_mode), conf.st_uid, conf.st_gid) == (0o640, 0, group.gr_gid)
    secrets = os.stat("/etc/kiosk/secrets")
    assert (stat.S_IMODE(secrets.st_mode), secrets.st_uid) == (0o700, user.pw_uid)
    data = os.stat("/var/lib/kiosk")
    assert (stat.S_IMODE(data.st_mode), data.st_uid) == (0o750, user.pw_uid)

    assert run(["/usr/bin/kiosk", "--version"]).stdout.strip() == f"kiosk {kiosk.__version__}"
    proc = _as_kiosk("/usr/bin/kiosk", "check-config", "/etc/kiosk/kiosk.toml")
    assert proc.returncode == 2
    assert "cannot read /etc/kiosk/secrets/code_key" in proc.stderr
    # The secrets as docs/deploy.md makes them: owned by kiosk, mode 0600.
    for name, value in {"staff_pin_hash": "scrypt$x", "code_key": "ab" * 32,
                        "portal_client_secret": "s", "registry_key": "r", "sms_key": "m",
                        "support_key": "d"}.items():
        path = Path("/etc/kiosk/secrets") / name
        path.write_text(value + "\n", encoding="utf-8")
        os.chown(path, user.pw_uid, user.pw_gid)
        path.chmod(0o600)
    proc = _as_kiosk("/usr/bin/kiosk", "check-config", "/etc/kiosk/kiosk.toml")
    assert proc.returncode == 0, proc.stderr
    proc = _as_kiosk("/usr/bin/kiosk", "db", "upgrade", "--config", "/etc/kiosk/kiosk.toml",
                     env={"LANG": "C.UTF-8"})
    assert proc.returncode == 0, proc.stderr
    db = os.stat("/var/lib/kiosk/cache.sqlite3")
    assert (stat.S_IMODE(db.st_mode), db.st_uid) == (0o600, user.pw_uid)

    purge = run(["dpkg", "--force-depends", "--purge", "kiosk"], timeout=300)
    assert purge.returncode == 0, purge.stdout + purge.stderr
    assert not _installed("kiosk")
    for gone in ("/etc/kiosk", "/var/lib/kiosk", "/opt/kiosk", "/usr/bin/kiosk"):
        assert not os.path.lexists(gone), gone
    with pytest.raises(KeyError):
        pwd.getpwnam("kiosk")
