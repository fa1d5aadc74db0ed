"""Every Russian string the screens pass through a translator has its English
(R-KSK-8). Found on a rendered English code screen: its keypad's «Сброс» key stayed
Russian, because the keypad's strings went through a helper lupdate does not read, and
so never reached kiosk_en.ts."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from kiosk.ui.i18n import translations_dir

UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
#: The calls a Russian literal is translated through (Qt's, and the modules' helpers).
TRANSLATING = frozenset({"tr", "_tr", "translate", "tr_trend", "QT_TRANSLATE_NOOP"})
CYRILLIC = re.compile("[\u0400-\u04ff]")


def _helpers(tree: ast.Module) -> dict[str, str]:
    """A module's ``def _tr(text): return QCoreApplication.translate("Ctx", text)`` →
    ``{"_tr": "Ctx"}``: the context its strings are looked up in."""
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.body:
            ret = node.body[-1]
            call = ret.value if isinstance(ret, ast.Return) else None
            if (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "translate"
                    and call.args and isinstance(call.args[0], ast.Constant)):
                out[node.name] = call.args[0].value
    return out


def _translated_literals() -> dict[tuple[str | None, str], str]:
    """(context when known, Russian literal) → where it is passed to a translating call
    (``self.tr``'s context is the object's class at run time: not known here)."""
    found: dict[tuple[str | None, str], str] = {}
    for path in sorted(UI.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = _helpers(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in TRANSLATING and name not in helpers:
                continue
            args = [a.value for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            context: str | None = helpers.get(name)
            if name in ("translate", "QT_TRANSLATE_NOOP") and len(args) >= 2:
                context, args = args[0], args[1:]
            for text in args:
                if CYRILLIC.search(text):
                    found.setdefault((context, text), f"{path.name}:{node.lineno}")
    return found


def _english() -> dict[tuple[str, str], str]:
    """(context, source) → English of every finished entry of kiosk_en.ts."""
    root = ET.parse(translations_dir() / "kiosk_en.ts").getroot()
    out: dict[tuple[str, str], str] = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source, translation = message.find("source"), message.find("translation")
            if (source is None or translation is None
                    or not (translation.text or "").strip()
                    or translation.get("type") in ("unfinished", "obsolete", "vanished")):
                continue
            out[(name, source.text or "")] = translation.text or ""
    return out


def test_every_translated_russian_string_has_its_english_r_ksk_8() -> None:
    literals = _translated_literals()
    assert len(literals) > 200  # the scan finds the screens' strings, not nothing
    english = _english()
    sources = {source for _, source in english}
    missing = {f"{context}: {text}": where for (context, text), where in literals.items()
               if ((context, text) not in english if context is not None
                   else text not in sources)}
    assert missing == {}
    assert not [t for t in english.values() if CYRILLIC.search(t)]
