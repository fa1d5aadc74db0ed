"""Upstream markup reduced to a safe subset before it is kept or shown (R-SHOW-5).

A clinic's notes come as XHTML (FHIR narrative ``text.div``, Composition sections) or as
``text/html`` attachments. Qt's rich text would load an ``<img src>`` by URL, follow a
link when clicked and honour styles that hide or overlay text, so nothing of the source
markup is passed on as it came. What is kept is structure only: headings, paragraphs,
line breaks, lists, tables and emphasis, each tag rebuilt here with no attribute at all
(``colspan``/``rowspan`` excepted, as bounded integers). Text is re-escaped; the content
of ``script``, ``style``, ``head``, ``title``, ``template``, ``object``, ``iframe`` and
``svg`` is dropped whole; any other tag is unwrapped to its text.

Why the standard library's ``html.parser`` rather than a sanitiser package: the subset
is a dozen tags with no attributes, so an allow-list over the tokenizer is short and
easy to audit, and it is tolerant of the broken markup clinics send (unclosed ``<p>``,
stray ``</td>``): every element this module opens it also closes.
"""

from __future__ import annotations

import contextlib
import html
import re
from html.parser import HTMLParser

#: Source tag → the tag kept. Headings are brought down to two levels that fit a
#: document screen under its own title.
_KEEP = {
    "h1": "h3", "h2": "h3", "h3": "h4", "h4": "h4", "h5": "h4", "h6": "h4",
    "p": "p", "div": "p", "blockquote": "p", "pre": "pre",
    "ul": "ul", "ol": "ol", "li": "li", "dl": "ul", "dt": "li", "dd": "li",
    "table": "table", "thead": "thead", "tbody": "tbody", "tfoot": "tbody",
    "tr": "tr", "th": "th", "td": "td", "caption": "p",
    "b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "sub": "sub", "sup": "sup",
}
_VOID_KEEP = {"br": "br"}
#: Elements whose whole content is dropped, not only the tag.
_DROP = frozenset(
    {"script", "style", "head", "title", "template", "object", "iframe", "svg", "math",
     "noscript", "embed", "applet", "frame", "frameset", "canvas", "audio", "video",
     "select", "textarea", "button"})
_BLOCK = frozenset({"h3", "h4", "p", "pre", "ul", "ol", "li", "table", "tr"})
#: Kept tags a paragraph or heading opened inside one closes first, as HTML does.
_PARAGRAPHS = frozenset({"p", "h3", "h4"})
#: Each kept tag opened and closed, spelled once.
_OPENING = {kept: f"<{kept}>" for kept in _KEEP.values()}
_CLOSING = {kept: f"</{kept}>" for kept in _KEEP.values()}
_SPAN_ATTRS = frozenset({"colspan", "rowspan"})
#: The deepest nesting kept; deeper elements are flattened to their text.
_MAX_DEPTH = 64


def _close_dropped(dropped: list[str], tag: str) -> None:
    """``</tag>`` of a dropped element: it and the dropped elements inside it are
    closed; an end tag of one not open is ignored. (One depth count for all of them
    let ``<svg></style>shown</svg>`` show «shown», found in review.)"""
    if tag in dropped:
        while dropped.pop() != tag:
            pass


def _spans(attrs: list[tuple[str, str | None]]) -> str:
    """A cell's ``colspan``/``rowspan`` as kept: the first of each (as browsers read a
    repeated attribute), when it is 2 to 50 in ASCII digits. ``"²".isdigit()`` holds
    and ``int("²")`` raises, as does ``int()`` of 4,301 digits: a document was rejected
    for a stray superscript in a span."""
    spans, seen = "", set()
    for name, value in attrs:
        if name in _SPAN_ATTRS and name not in seen:
            seen.add(name)
            if value and len(value) <= 2 and value.isascii() and value.isdigit() \
                    and 1 < int(value) <= 50:
                spans += f' {name}="{int(value)}"'
    return spans


def strip_invisible(text: str) -> str:
    """``text`` without format characters (zero-width, bidi controls, soft hyphen) and
    control characters (but tab, line feed, carriage return and NUL, which ``clean``
    marks); a vertical tab or form feed becomes a line break, and a C1 control the
    Windows-1252 character of its code (``_C1``), or with the characters around it
    the UTF-8 they were read from (``_LATIN_1_UTF_8``).

    Format characters are invisible but change what a patient sees: a right-to-left
    override turns a line around, a zero-width space inside a surname moves its first
    letter (R-SHOW-1). Control characters carry nothing a patient can read, and Qt
    draws each as a box, on screen and on paper; a vertical tab is the line break
    Word writes.
    """
    if text.isprintable() or _INVISIBLE.search(text) is None:
        return text
    return _INVISIBLE_OR_MISREAD.sub(_in_text, text)


#: Every non-ASCII character of Unicode category Cf (format) up to Unicode 15.1, as
#: ranges: listing them by scanning all of Unicode took 100 ms at every import (every
#: sync worker and the kiosk's start-up). tests/unit/test_narrative.py checks the list
#: against the running Python's Unicode database.
FORMAT_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
#: C0 controls but NUL, tab, line feed and carriage return; DEL; C1 controls.
CONTROL_RANGES: tuple[tuple[int, int], ...] = (
    (0x01, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F))
#: Both as one character class: a search in C.
_INVISIBLE = re.compile("[" + "".join(
    f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in CONTROL_RANGES + FORMAT_RANGES)
    + "]")
#: A C1 control in text is nearly always a Windows-1252 character read as Latin-1
#: («CARDIOsphere\x99» in an official HL7 example: «™»). It becomes that character, as
#: HTML reads a character reference to one (``&#x99;``); one with none there goes.
_C1 = {chr(c): bytes([c]).decode("cp1252", "ignore") for c in range(0x80, 0xA0)}
#: What an invisible character becomes in plain text and in a text piece of markup
#: (a vertical tab or form feed: a line break, and a space as HTML reads ``\f``);
#: any other, nothing.
_PLAIN_FOR = {"\x0b": "\n", "\x0c": "\n", **_C1}
_MARKUP_FOR = {"\x0b": " ", "\x0c": " ", **_C1}
#: A UTF-8 sequence read as Latin-1 (its lead byte, then its continuation bytes as
#: U+0080–U+00BF): «•» came as «â\x80¢» in the same examples. One holding a C1
#: control is made UTF-8 again; no text means one.
_LATIN_1_UTF_8 = ("[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                  "|[\xf0-\xf4][\x80-\xbf]{3}")
_INVISIBLE_OR_MISREAD = re.compile(_LATIN_1_UTF_8 + "|" + _INVISIBLE.pattern)


def _in_text(found: re.Match[str]) -> str:
    return _replaced(found.group(), _PLAIN_FOR)


def _in_markup(found: re.Match[str]) -> str:
    return _replaced(found.group(), _MARKUP_FOR)


def _replaced(chars: str, table: dict[str, str]) -> str:
    """What ``chars`` (one invisible character, or a UTF-8 sequence read as Latin-1)
    become."""
    if len(chars) == 1:
        return table.get(chars, "")
    if any("\x80" <= c <= "\x9f" for c in chars):
        # What was meant may be invisible itself (a zero-width space, a C1 control).
        with contextlib.suppress(UnicodeDecodeError):
            chars = chars.encode("latin-1").decode()
    return "".join(table.get(c, "") if _INVISIBLE.match(c) else c for c in chars)


def _visible(text: str) -> str:
    """A text piece of markup without control or format characters (see
    ``strip_invisible``). Asked only of a piece that is not printable: a line break
    makes most of them so (~10 of 14 ASCII pieces of a protocol), and this way costs
    ~1.3 µs a protocol against ~4 µs for a search of the whole markup. A piece with
    nothing to replace (a line break, a no-break space) costs one search, 2.5 times
    cheaper than the replacing pattern's. (No NUL reaches a piece: ``sanitise`` takes
    it out of the markup before either way reads it.)"""
    if _INVISIBLE.search(text) is None:
        return text
    return _INVISIBLE_OR_MISREAD.sub(_in_markup, text)


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.words: list[str] = []
        self.open: list[str] = []  # kept tags, as opened
        self.dropped: list[str] = []  # dropped elements open, innermost last

    # -- tokens

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self.dropped.append(tag)
            return
        if self.dropped:
            return
        if tag in _VOID_KEEP:
            self.out.append("<br/>")
            self.words.append("\n")
            return
        kept = _KEEP.get(tag)
        if kept is None or len(self.open) >= _MAX_DEPTH:
            return
        if kept in _BLOCK:
            self.words.append("\n")
        if kept in _PARAGRAPHS and self.open and self.open[-1] in _PARAGRAPHS:
            self._close(self.open[-1])  # <p> inside <p>: HTML closes the first
        spans = _spans(attrs) if kept in ("td", "th") else ""
        self.open.append(kept)
        self.out.append(f"<{kept}{spans}>" if spans else _OPENING[kept])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_KEEP and not self.dropped:
            self.out.append("<br/>")
            self.words.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            _close_dropped(self.dropped, tag)
            return
        if self.dropped:
            return
        kept = _KEEP.get(tag)
        if kept is not None and kept in self.open:
            self._close(kept)

    def handle_data(self, data: str) -> None:
        if self.dropped or not data:
            return
        if not data.isprintable():  # _visible, html.escape
            data = _visible(data)
        self.out.append(data.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        self.words.append(data)

    # -- structure

    def _close(self, kept: str) -> None:
        while self.open:
            top = self.open.pop()
            self.out.append(_CLOSING[top])
            if top in _BLOCK:
                self.words.append("\n")
            if top == kept:
                return

    def finish(self) -> tuple[str, str]:
        self.close()
        while self.open:
            self._close(self.open[-1])
        markup = "".join(self.out).strip()
        return markup, _plain("".join(self.words))


def _plain(words: str) -> str:
    """``words`` with each line's whitespace runs made one space and trimmed, and no more
    than one blank line in a row.

    Taken whole where every line is so already (a protocol's usually are): no space
    next to a line break, no two in a row, and no whitespace but spaces and line breaks
    (the only whitespace ``isprintable`` lets through is the ASCII space). The line by
    line way costs ~70 Python steps a protocol, 17 µs of its 63; the check, 3 µs.
    tests/unit/test_narrative.py holds both ways to the same text.
    """
    if (" \n" in words or "\n " in words or "  " in words
            or not words.replace("\n", "").isprintable()):
        words = "\n".join([" ".join(line.split()) for line in words.splitlines()])
    return _BLANK_LINES.sub("\n\n", words).strip()


#: Three line breaks or more; spelled with a literal start, which ``re`` looks for in
#: C (``\n{3,}`` was tried at every character: ~100 instructions each).
_BLANK_LINES = re.compile("\n\n\n+")


def sanitise(markup: str) -> tuple[str, str]:
    """``(safe XHTML subset, its plain text)`` of HTML or XHTML from upstream."""
    markup = markup.replace("\x00", "")
    quick = _quick(markup)
    if quick is not None:
        return quick
    parser = _Sanitiser()
    parser.feed(markup)
    return parser.finish()


#: The markup ``_quick`` takes: text, and tags (from a ``<`` to the first ``>``)
#: that are start tags with plain attributes (quoted values with no ``&``; not of an
#: element whose content the parser reads as text, ``_RAW_TEXT_ELEMENTS``) or end tags.
#: Whitespace is HTML's own, at which the parser's tag-name rule stops; anything else
#: (comments, declarations, ``<`` in text, bare or escaped attribute values, odd tag
#: names) is the parser's.
_WS = "[ \t\n\r\f]"
_NAME = "[a-zA-Z][a-zA-Z0-9]*"
#: The elements whose content ``HTMLParser`` reads as text up to their end tag: this
#: Python's (3.11: ``script`` and ``style``), and those that newer patch releases add
#: (``textarea``, ``title``, ``xmp``, ``iframe``, …; found by review). Markup with one of
#: them goes to the parser whole, so an interpreter upgrade cannot make the two ways
#: read it differently (the property test compares them on this Python only).
_RAW_TEXT_ELEMENTS = frozenset({
    *HTMLParser.CDATA_CONTENT_ELEMENTS, *getattr(HTMLParser, "RCDATA_CONTENT_ELEMENTS", ()),
    "iframe", "noembed", "noframes", "noscript", "plaintext", "textarea", "title", "xmp"})
_RAW_TEXT = ("(?!(?ai:" + "|".join(sorted(_RAW_TEXT_ELEMENTS)) + ")(?:[ \t\n\r\f/]|\\Z))")
_TAG = re.compile(
    f"{_RAW_TEXT}({_NAME})((?:{_WS}+[a-zA-Z][-a-zA-Z0-9_:.]*"
    f"(?:{_WS}*={_WS}*(?:\"[^\"&]*\"|'[^'&]*'))?)*){_WS}*(/?)|/({_NAME}){_WS}*")
_ATTR = re.compile(f"([a-zA-Z][-a-zA-Z0-9_:.]*)(?:{_WS}*={_WS}*(?:\"([^\"]*)\"|'([^']*)'))?")
_START, _END, _START_END = 0, 1, 2
_Tag = tuple[int, str, list[tuple[str, str | None]]]

#: What a tag does to the sanitiser's state, as ``_Sanitiser``'s handlers would do it:
#: ``(_OPEN, kept, opening, block, paragraph)``, ``(_CLOSE, kept)``, ``(_BR,)``,
#: ``(_DROP_OPEN, name)``, ``(_DROP_CLOSE, name)`` or ``(_IGNORE,)``.
_OPEN, _CLOSE, _BR, _DROP_OPEN, _DROP_CLOSE, _IGNORE = range(6)
_Op = tuple[object, ...]


def _op(tag: _Tag) -> _Op:
    kind, name, attrs = tag
    if kind == _START_END:  # the handler keeps a line break, nothing else
        return (_BR,) if name in _VOID_KEEP else (_IGNORE,)
    if name in _DROP:
        return (_DROP_OPEN, name) if kind == _START else (_DROP_CLOSE, name)
    if kind == _END:
        kept = _KEEP.get(name)
        return (_IGNORE,) if kept is None else (_CLOSE, kept)
    if name in _VOID_KEEP:
        return (_BR,)
    kept = _KEEP.get(name)
    if kept is None:
        return (_IGNORE,)
    spans = _spans(attrs) if kept in ("td", "th") else ""
    opening = f"<{kept}{spans}>" if spans else _OPENING[kept]
    return (_OPEN, kept, opening, kept in _BLOCK, kept in _PARAGRAPHS)


#: What is between a tag's ``<`` and ``>`` → its ``_Op``, remembered for short tags:
#: the same few dozen make a whole sync's notes.
_OPS: dict[str, _Op] = {}
_OPS_KEPT = 4096


def _quick(markup: str) -> tuple[str, str] | None:
    """``sanitise(markup)`` as ``_Sanitiser`` makes it, when the markup is all of the
    plain kind ``_TAG`` takes (clinics' notes are); else ``None``.

    The parser's handlers, one loop with its state in local variables: a sync
    sanitises a protocol of ~1.3 KB and ~90 tags for every third document, and the
    handlers' method calls were most of its cost (87 µs a protocol through
    ``HTMLParser``'s handlers fed by a quick tokenizer, ~2.8 million instructions
    through ``HTMLParser`` itself). tests/unit/test_narrative.py holds it to the parser's
    output on generated markup.
    """
    out: list[str] = []
    words: list[str] = []
    opened: list[str] = []
    dropped: list[str] = []
    emit, say = out.append, words.append
    ops = _OPS
    first = True
    for piece in markup.split("<"):
        if first:  # text before the first tag
            first, text = False, piece
        else:
            inside, gt, text = piece.partition(">")
            if not gt:
                return None
            op = ops.get(inside)
            if op is None:
                tag = _tag(inside)
                if tag is None:
                    return None
                op = _op(tag)
                if len(inside) <= 200 and len(ops) < _OPS_KEPT:
                    ops[inside] = op
            code = op[0]
            if code == _OPEN:
                if not dropped and len(opened) < _MAX_DEPTH:
                    if op[3]:
                        say("\n")
                    if op[4] and opened and opened[-1] in _PARAGRAPHS:  # <p> in <p>
                        top = opened.pop()
                        emit(_CLOSING[top])
                        say("\n")  # p, h3 and h4 are all blocks
                    opened.append(op[1])  # type: ignore[arg-type]
                    emit(op[2])  # type: ignore[arg-type]
            elif code == _CLOSE:
                if not dropped and op[1] in opened:
                    while opened:
                        top = opened.pop()
                        emit(_CLOSING[top])
                        if top in _BLOCK:
                            say("\n")
                        if top == op[1]:
                            break
            elif code == _BR:
                if not dropped:
                    emit("<br/>")
                    say("\n")
            elif code == _DROP_OPEN:
                dropped.append(op[1])  # type: ignore[arg-type]
            elif code == _DROP_CLOSE:
                _close_dropped(dropped, op[1])  # type: ignore[arg-type]
        if text and not dropped:
            if "&" in text:
                text = html.unescape(text)
                if not text:
                    continue
            if not text.isprintable():
                text = _visible(text)
            emit(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
            say(text)
    while opened:
        top = opened.pop()
        emit(_CLOSING[top])
        if top in _BLOCK:
            say("\n")
    return "".join(out).strip(), _plain("".join(words))


def _tag(inside: str) -> _Tag | None:
    """A tag read as ``HTMLParser`` reads it (names lower case, attribute values
    unquoted, ``None`` for a name alone); ``None`` when not plain."""
    found = _TAG.fullmatch(inside)
    if found is None:
        return None
    name, attrs, slash, closing = found.groups()
    if closing is not None:
        tag = (_END, closing.lower(), [])
    else:
        pairs: list[tuple[str, str | None]] = []
        for attr in _ATTR.finditer(attrs):
            double, single = attr.group(2, 3)
            pairs.append((attr.group(1).lower(), double if double is not None else single))
        tag = (_START_END if slash else _START, name.lower(), pairs)
    return tag


def escape_text(text: str) -> str:
    """Plain text as safe markup of the subset (paragraphs and line breaks)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(
        "<p>" + "<br/>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs if p.strip())
