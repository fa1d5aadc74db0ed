"""The kiosk's look (R-KSK-8): three text sizes (100 %, 150 %, 200 %), an optional
high-contrast scheme, touch targets of at least 44 px (we use 64 px buttons: gloved or
shaky fingers miss 44).

Contrast (issue 16, WCAG 1.4.3/1.4.6/1.4.11): text and hints at least 4.5:1 in the normal
scheme and 7:1 in high contrast; control borders, radio rings, scroll-bar handles and
the focus ring at least 3:1 against what they sit on. A button's focus ring is two lines
(``widgets.KioskButton``): the focus colour outside, the button's text colour inside, so
it stands out on a blue (or yellow) primary button as well as on the background. Its
focused border keeps the unfocused width (the ring covers it): Qt keeps a button's size
as last computed, and one computed while it had the focus kept a thicker border's 4 px.
:func:`contrast_pairs` lists the colour pairs the sheet draws, so
``tests/ui/test_layout.py`` checks the same numbers this file uses.

Kept in Python rather than a .qss file so that the two switches are just arguments
and nothing has to be found on disk at start-up. Widgets pick styles by the dynamic
property ``role`` (``title``, ``primary``, ``card``, ...).
"""

from __future__ import annotations

from typing import NamedTuple

MIN_TOUCH = 44
BUTTON_HEIGHT = 64
KEY_HEIGHT = 54
SCROLL_BAR = 48
#: Key labels stop growing at 42 px: the Cyrillic keyboard's twelve keys a row («Щ» at
#: 48 px) were wider than the 608 px a 720×1280 screen leaves beside its scroll bar.
KEY_FONT_MAX = 42
#: Base font sizes in px: normal, large (150 %), largest (200 %).
TEXT_SIZES = (0, 1, 2)
_FONT_PX = (22, 33, 44)


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
    primary_text="#FFFFFF", border="#6B7785", notice_bg="#FFF4CE", notice_text="#111111",
    error="#B00020", focus="#B85C00",
)
# The focus ring is violet, not cyan: cyan on the yellow of a focused primary button was
# 1.21:1; #D000FF is 5.1:1 on black and 3.2:1 on the yellow.
CONTRAST = Scheme(
    bg="#000000", panel="#000000", text="#FFFFFF", muted="#FFFFFF", primary="#FFE600",
    primary_text="#000000", border="#FFFFFF", notice_bg="#FFE600", notice_text="#000000",
    error="#FF8A80", focus="#D000FF",
)


def font_px(size: int) -> int:
    """The base font size of text size 0, 1 or 2 (a bool means normal or large)."""
    return _FONT_PX[max(0, min(int(size), len(_FONT_PX) - 1))]


def luminance(color: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    channels = []
    for i in (1, 3, 5):
        c = int(color[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def contrast_pairs(high_contrast: bool) -> list[tuple[str, str, str, float]]:
    """Every (what, foreground, background, minimum ratio) the sheet below draws."""
    s = CONTRAST if high_contrast else NORMAL
    text = 7.0 if high_contrast else 4.5
    pairs = [
        ("text", s.text, s.bg, text), ("text on a card", s.text, s.panel, text),
        ("hint", s.muted, s.bg, text), ("hint on a card", s.muted, s.panel, text),
        ("disabled button text", s.muted, s.panel, text),
        ("primary button, checked key, selection, logo", s.primary_text, s.primary, text),
        ("notice", s.notice_text, s.notice_bg, text),
        ("error", s.error, s.bg, text), ("error on a card", s.error, s.panel, text),
        ("control border", s.border, s.bg, 3.0),
        ("control border on a card", s.border, s.panel, 3.0),
        ("radio ring", s.border, s.panel, 3.0), ("radio dot", s.primary, s.panel, 3.0),
        ("scroll-bar handle", s.border, s.bg, 3.0),
        ("focus ring", s.focus, s.bg, 3.0), ("focus ring on a card", s.focus, s.panel, 3.0),
        # A button's ring is two lines (widgets.KioskButton): the focus colour outside,
        # the button's text colour inside (against its fill: the text pairs above).
        ("focus ring's two lines on a primary button", s.focus, s.primary_text, 3.0),
        ("focus ring's two lines on a plain button", s.focus, s.text, 3.0),
    ]
    return pairs


def style_sheet(text_size: int, high_contrast: bool) -> str:
    s = CONTRAST if high_contrast else NORMAL
    f = font_px(text_size)
    # Titles grow less at 200 %: «администратора» at 1.6 × 44 px is wider than a
    # portrait screen beside the logo and a button.
    title = int(f * (1.6 if font_px(text_size) < _FONT_PX[-1] else 1.3))
    border_w = 3 if high_contrast else 2
    return f"""
* {{ font-family: "DejaVu Sans"; font-size: {f}px; color: {s.text}; }}
KioskWindow, QStackedWidget, QWidget#screen {{ background: {s.bg}; }}
QLabel {{ background: transparent; }}
QScrollArea#screenScroll, QScrollArea#screenScroll > QWidget {{ background: transparent; }}
QLabel[role="title"] {{ font-size: {title}px; font-weight: bold; }}
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
QPushButton {{ min-height: {BUTTON_HEIGHT}px; padding: 0 22px;
    background: {s.panel}; border: {border_w}px solid {s.border}; border-radius: 10px; }}
QPushButton:focus {{ border: {border_w + 2}px solid {s.focus}; }}
KioskButton {{ qproperty-focusOuter: {s.focus}; qproperty-focusOnFill: {s.primary_text};
    qproperty-focusOnPanel: {s.text}; }}
KioskButton:focus {{ border-width: {border_w}px; }}
QPushButton:pressed, QPushButton:checked {{ background: {s.primary}; color: {s.primary_text}; }}
QPushButton:disabled {{ color: {s.muted}; border-style: dashed; }}
QPushButton[role="primary"] {{ background: {s.primary}; color: {s.primary_text};
    font-weight: bold; border-color: {s.primary}; }}
QPushButton[role="primary"]:focus {{ border-color: {s.focus}; }}
QPushButton#key_enter {{ min-height: {KEY_HEIGHT}px; }}
QPushButton[role="primary"]:disabled {{ background: {s.panel}; color: {s.muted};
    border-color: {s.border}; }}
QPushButton[role="card"] {{ text-align: left; padding: 18px; background: {s.panel}; }}
QPushButton[role="key"] {{ min-height: {KEY_HEIGHT}px; padding: 0 2px;
    font-size: {min(int(f * 1.1), KEY_FONT_MAX)}px; }}
QPushButton[role="pad"] {{ min-height: 84px; font-size: {int(f * 1.6)}px; font-weight: bold; }}
QPushButton[role="padWord"] {{ min-height: 84px; font-size: {min(int(f * 1.3), KEY_FONT_MAX)}px;
    font-weight: bold;
    padding: 0 8px; }}
QLineEdit, QPlainTextEdit, QTextEdit, QListView, QTableView {{
    background: {s.panel}; color: {s.text}; border: {border_w}px solid {s.border};
    border-radius: 8px; padding: 8px; selection-background-color: {s.primary};
    selection-color: {s.primary_text}; placeholder-text-color: {s.muted}; }}
QTableView::item {{ padding: 0 {max(4, f // 4)}px; }}
QLineEdit {{ min-height: {BUTTON_HEIGHT - 8}px; font-size: {int(f * 1.2)}px; }}
QLineEdit:focus, QPlainTextEdit:focus {{ border: {border_w + 2}px solid {s.focus}; }}
QLineEdit[role="code"] {{ font-size: {int(f * 2.2)}px; letter-spacing: 12px;
    qproperty-alignment: AlignCenter; }}
QTabWidget::pane {{ border: {border_w}px solid {s.border}; border-radius: 8px; top: -2px; }}
QTabBar::tab {{ min-height: {BUTTON_HEIGHT - 8}px; padding: 6px 16px; margin-right: 4px;
    background: {s.panel}; border: {border_w}px solid {s.border}; border-bottom: none;
    border-top-left-radius: 8px; border-top-right-radius: 8px; }}
QTabBar::tab:selected {{ background: {s.primary}; color: {s.primary_text}; font-weight: bold; }}
QRadioButton {{ min-height: {MIN_TOUCH + 8}px; spacing: 14px; }}
QRadioButton::indicator {{ width: 36px; height: 36px; border: {border_w + 1}px solid {s.border};
    border-radius: 20px; background: {s.panel}; }}
QRadioButton::indicator:checked {{ background: qradialgradient(cx: 0.5, cy: 0.5, radius: 0.5,
    fx: 0.5, fy: 0.5, stop: 0 {s.primary}, stop: 0.55 {s.primary}, stop: 0.6 {s.panel},
    stop: 1 {s.panel}); }}
QRadioButton::indicator:focus {{ border-color: {s.focus}; }}
QScrollBar:vertical {{ width: {SCROLL_BAR}px; background: {s.bg}; }}
QScrollBar:horizontal {{ height: {SCROLL_BAR}px; background: {s.bg}; }}
QScrollBar::handle {{ background: {s.border}; min-height: 60px; min-width: 60px;
    border-radius: 8px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; border: none; }}
"""
