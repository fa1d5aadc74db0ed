"""Suite-wide settings: Qt offscreen and a UTF-8 locale before anything imports Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")
# Subprocesses of the suite never pick up a machine's /etc/kiosk/kiosk.toml by accident.
os.environ["KIOSK_CONFIG"] = ""
