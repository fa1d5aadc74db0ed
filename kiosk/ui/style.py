"""The kiosk's look (R-KSK-8): large text, an optional high-contrast scheme, touch
targets of at least 44 px (we use 64 px buttons: gloved or shaky fingers miss 44).

Kept in Python rather than a .qss file so that the two switches are just arguments
and nothing has to be found on disk at start-up. Widgets pick styles by the dynamic
property ``role`` (``title``, ``primary``, ``card``, ...).
"""

from __future__ import annotations

from typing import NamedTuple

MIN_TOUCH = 44
BUTTON_HEIGHT = 64
KEY_HEIGHT = 54


class Scheme(NamedTuple):
    """A colour scheme. A NamedTuple, not a dataclass: the style is built before Welcome's
    first paint, and nothing else there needs the dataclasses machinery (~3 ms)."""

    bg: str
    panel: str
    text: str
    muted: str
    primary: str
    primary_text: str
    border: str
    notice_bg: str
    notice_text: str
    error: str
    focus: str


NORMAL = Scheme(
    bg="#F3F6F9", panel="#FFFFFF", text="#111111", muted="#3C4650", primary="#0B57A4",
    primary_text="#FFFFFF", border="#7A8794", notice_bg="#FFF4CE", notice_text="#111111",
    error="#B00020", focus="#E07B00",
)
CONTRAST = Scheme(
    bg="#000000", panel="#000000", text="#FFFFFF", muted="#FFFFFF", primary="#FFE600",
    primary_text="#000000", border="#FFFFFF", notice_bg="#FFE600", notice_text="#000000",
    error="#FF8A80", focus="#00E5FF",
)


def font_px(large: bool) -> int:
    return 30 if large else 22


def style_sheet(large_text: bool, high_contrast: bool) -> str:
    s = CONTRAST if high_contrast else NORMAL
    f = font_px(large_text)
    border_w = 3 if high_contrast else 2
    return f"""
* {{ font-family: "DejaVu Sans"; font-size: {f}px; color: {s.text}; }}
KioskWindow, QStackedWidget, QWidget#screen {{ background: {s.bg}; }}
QLabel {{ background: transparent; }}
QLabel[role="title"] {{ font-size: {int(f * 1.6)}px; font-weight: bold; }}
QLabel[role="subtitle"] {{ font-size: {int(f * 1.2)}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: {s.muted}; }}
QLabel[role="big"] {{ font-size: {int(f * 2.2)}px; font-weight: bold; }}
QLabel[role="error"] {{ color: {s.error}; font-weight: bold; }}
QLabel[role="notice"], QFrame[role="notice"] {{
    background: {s.notice_bg}; color: {s.notice_text}; border: {border_w}px solid {s.border};
    border-radius: 8px; padding: 12px; }}
QLabel[role="logo"] {{ font-size: {int(f * 1.1)}px; font-weight: bold; color: {s.primary_text};
    background: {s.primary}; border-radius: 8px; padding: 8px 14px; }}
QFrame[role="card"] {{ background: {s.panel}; border: {border_w}px solid {s.border};
    border-radius: 12px; }}
QHeaderView::section {{ background: {s.panel}; color: {s.text}; font-weight: bold;
    border: 1px solid {s.border}; padding: 4px 6px; }}
QFrame[role="overlay"] {{ background: rgba(0, 0, 0, 170); }}
QFrame[role="dialog"] {{ background: {s.panel}; border: {border_w + 1}px solid {s.border};
    border-radius: 16px; }}
QPushButton {{ min-height: {BUTTON_HEIGHT}px; min-width: {BUTTON_HEIGHT}px; padding: 0 22px;
    background: {s.panel}; border: {border_w}px solid {s.border}; border-radius: 10px; }}
QPushButton:focus {{ border: {border_w + 1}px solid {s.focus}; }}
QPushButton:pressed, QPushButton:checked {{ background: {s.primary}; color: {s.primary_text}; }}
QPushButton:disabled {{ color: {s.muted}; border-style: dashed; }}
QPushButton[role="primary"] {{ background: {s.primary}; color: {s.primary_text};
    font-weight: bold; border-color: {s.primary}; }}
QPushButton[role="primary"]:disabled {{ background: {s.panel}; color: {s.muted};
    border-color: {s.border}; }}
QPushButton[role="card"] {{ text-align: left; padding: 18px; background: {s.panel}; }}
QPushButton[role="key"] {{ min-width: {MIN_TOUCH}px; min-height: {KEY_HEIGHT}px; padding: 0 4px;
    font-size: {int(f * 1.1)}px; }}
QPushButton[role="pad"] {{ min-height: 84px; font-size: {int(f * 1.6)}px; font-weight: bold; }}
QLineEdit, QPlainTextEdit, QTextEdit, QListView, QTableView {{
    background: {s.panel}; color: {s.text}; border: {border_w}px solid {s.border};
    border-radius: 8px; padding: 8px; selection-background-color: {s.primary};
    selection-color: {s.primary_text}; }}
QLineEdit {{ min-height: {BUTTON_HEIGHT - 8}px; font-size: {int(f * 1.2)}px; }}
QLineEdit:focus, QPlainTextEdit:focus {{ border: {border_w + 1}px solid {s.focus}; }}
QLineEdit[role="code"] {{ font-size: {int(f * 2.2)}px; letter-spacing: 12px;
    qproperty-alignment: AlignCenter; }}
QTabWidget::pane {{ border: {border_w}px solid {s.border}; border-radius: 8px; top: -2px; }}
QTabBar::tab {{ min-height: {BUTTON_HEIGHT - 8}px; padding: 6px 16px; margin-right: 4px;
    background: {s.panel}; border: {border_w}px solid {s.border}; border-bottom: none;
    border-top-left-radius: 8px; border-top-right-radius: 8px; }}
QTabBar::tab:selected {{ background: {s.primary}; color: {s.primary_text}; font-weight: bold; }}
QRadioButton {{ min-height: {MIN_TOUCH + 8}px; spacing: 14px; }}
QRadioButton::indicator {{ width: 36px; height: 36px; }}
QScrollBar:vertical {{ width: 36px; background: {s.bg}; }}
QScrollBar::handle:vertical {{ background: {s.border}; min-height: 60px; border-radius: 8px; }}
"""
