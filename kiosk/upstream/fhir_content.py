"""What a document shows, gathered from its attachments and narratives: plain text
(any charset, BOM and base64 whitespace handled), narrative reduced to a safe subset
(``kiosk.domain.narrative``), PDF bytes (inline, or fetched from a Binary on the same
server through a ``Fetcher``), and a Composition's sections as one narrative.
"""

from __future__ import annotations

import binascii
import functools
import html
from collections.abc import Iterable, Sequence
from typing import Protocol

import msgspec

from kiosk.domain.documents import MAX_PDF_BYTES, MAX_TEXT_CHARS, LabRow
from kiosk.domain.narrative import sanitise, strip_invisible
from kiosk.upstream import fhir_model as m
from kiosk.upstream.fhir_fields import MAX_TITLE_CHARS, Reject, clean, concept_text, one_line


class Fetcher(Protocol):
    """What a page's reader may ask the server for (``FhirSource`` over HTTP)."""

    def observations(self, ids: Sequence[str]) -> list[bytes]:
        """The raw JSON of each Observation found among ``ids`` (missing ones left out)."""
        ...

    def binary(self, url: str) -> tuple[str, bytes] | None:
        """``(content type, bytes)`` of a Binary on the configured server, else ``None``."""
        ...


class Content:
    """What a document's attachments and fields gave, gathered in order (a plain slotted
    class: made once per document of a sync, and dataclass factories cost ~1 µs).
    ``texts`` are clean (``clean``) as they are added. The other lists are made on
    first use: most documents are one text."""

    __slots__ = ("narratives", "pdf", "rows", "skipped", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.narratives: list[str] | None = None
        self.pdf: bytes | None = None
        self.rows: list[LabRow] | None = None
        #: Attachments not shown and why (images, other formats), for the reject reason.
        self.skipped: list[str] | None = None

    def add_narrative(self, markup: str, words: str) -> None:
        if self.narratives is None:
            self.narratives = []
        self.narratives.append(markup)
        self.texts.append(clean(words))

    def add_rows(self, rows: Iterable[LabRow]) -> None:
        if self.rows is None:
            self.rows = []
        self.rows.extend(rows)

    def skip(self, why: str) -> None:
        if self.skipped is None:
            self.skipped = []
        self.skipped.append(why)

    def empty(self) -> bool:
        return not (self.texts or self.narratives or self.pdf or self.rows)


@functools.lru_cache(maxsize=256)
def _media(ctype: str | None) -> tuple[str, str | None]:
    """``(media type, charset)`` of a content type, lower case (a sync sees a handful
    of spellings thousands of times)."""
    if not ctype:
        return "", None
    media, *params = ctype.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip('"').lower()
    return media.strip().lower(), charset


_NO_WHITESPACE = str.maketrans("", "", " \t\r\n")


_base64_decoder = msgspec.json.Decoder(bytes)
_text_decoder = msgspec.json.Decoder(str)


def _b64(data: bytes | msgspec.Raw, what: str, limit: int) -> bytes:
    """Strict base64; line breaks and spaces (MIME style) are allowed, nothing else.

    ``data`` is already the bytes (a typed page, ``fhir_model.D``) or the JSON string as
    sent: msgspec reads strict base64 straight into bytes; only one with whitespace (or
    bad) is read as text and tried again.
    """
    if isinstance(data, bytes):
        if len(data) > limit:
            raise Reject(f"{what} over {limit} bytes")
        return data
    if len(data) > (limit * 4 // 3 + 8) * 2:  # whitespace allowed for, not unbounded
        raise Reject(f"{what} over {limit} bytes")
    try:
        raw = _base64_decoder.decode(data)
    except (msgspec.ValidationError, msgspec.DecodeError):
        try:
            text = _text_decoder.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise Reject(f"{what}.data is not base64") from None
        attempt = text.translate(_NO_WHITESPACE)
        if len(attempt) > limit * 4 // 3 + 4:
            raise Reject(f"{what} over {limit} bytes") from None
        try:
            raw = binascii.a2b_base64(attempt, strict_mode=True)
        except (binascii.Error, ValueError):
            raise Reject(f"{what}.data is not base64") from None
    if len(raw) > limit:
        raise Reject(f"{what} over {limit} bytes")
    return raw


_NULL = msgspec.Raw(b"null")


def _has_data(data: bytes | msgspec.Raw) -> bool:
    return isinstance(data, bytes) or (len(data) > 0 and data != _NULL)


def read_base64(data: msgspec.Raw, what: str, limit: int) -> bytes | None:
    """A Binary's ``data`` by the attachments' rules (strict base64, MIME line breaks
    allowed, at most ``limit`` bytes); ``None`` when absent or unreadable."""
    if not _has_data(data):
        return None
    try:
        return _b64(data, what, limit)
    except Reject:
        return None


def _decode_text(raw: bytes, charset: str | None, what: str) -> str:
    charset = charset or "utf-8"
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, charset = raw[3:], "utf-8"
    elif raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        charset = "utf-16"
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise Reject(f"{what}.data is not {charset[:20]} text") from None
    return text.lstrip("\ufeff")


def _take(content: Content, ctype: str | None, raw: bytes, what: str) -> None:
    """One attachment's bytes into ``content`` by their media type."""
    media, charset = _media(ctype)
    if media == "application/pdf" or (not media and raw.startswith(b"%PDF-")):
        if not raw.startswith(b"%PDF-"):
            content.skip("application/pdf that is not a PDF")
            return
        if len(raw) > MAX_PDF_BYTES:
            raise Reject(f"{what} PDF over {MAX_PDF_BYTES} bytes")
        if content.pdf is None:
            content.pdf = raw
        return
    if media in ("text/html", "application/xhtml+xml"):
        markup, words = sanitise(_decode_text(raw, charset, what))
        if words:
            content.add_narrative(markup, words)
        return
    if media.startswith("text/"):
        if len(raw) > MAX_TEXT_CHARS * 4:
            raise Reject(f"text over {MAX_TEXT_CHARS} characters")
        text = _plain_text(_decode_text(raw, charset, what), raw)
        if text:
            content.texts.append(text)
        return
    content.skip(media or "no content type")


def plain_note(items: Sequence[m.Content] | None) -> tuple[str, str] | None:
    """``(text, title)`` of the usual note: one text/plain attachment in UTF-8 with no
    byte order mark, already decoded from base64 with its page (``fhir_model.D``);
    ``None`` for anything else, which ``read_attachment`` reads (and rejects with a
    reason)."""
    if items is None or len(items) != 1:
        return None
    att = items[0].attachment
    if att is None:
        return None
    data = att.data
    if (type(data) is not bytes or not data or data[0] >= 0xEF  # a BOM's first byte
            or len(data) > MAX_TEXT_CHARS * 4 or _media(att.contentType) not in _PLAIN):
        return None
    try:
        text = _plain_text(data.decode(), data)
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    if len(text) > MAX_TEXT_CHARS:
        raise Reject(f"text over {MAX_TEXT_CHARS} characters")
    return text, att.title or ""


def _plain_text(text: str, raw: bytes) -> str:
    """A text attachment's ``text`` (decoded from ``raw``) made fit to show: trimmed,
    no control or format characters (``strip_invisible``), NUL marked (``clean``).
    NUL is looked for in the bytes (a memchr, 10x cheaper than in the text): in every
    encoding a NUL character holds a zero byte."""
    text = strip_invisible(text).strip()
    return text if 0 not in raw else clean(text)


_PLAIN = frozenset({("text/plain", None), ("text/plain", "utf-8")})


def read_attachment(content: Content, att: m.Attachment | None, what: str,
                    fetcher: Fetcher | None) -> None:
    """One attachment into ``content``: inline data by its media type, else a Binary on
    the same server fetched by URL; images, videos and other servers' URLs are noted as
    not shown (``not_shown``)."""
    if att is None:
        raise Reject(f"{what} is missing")
    data = att.data
    if isinstance(data, bytes) and len(data) <= MAX_TEXT_CHARS * 4:
        media, charset = _media(att.contentType)
        if media == "text/plain":  # the usual note, already decoded with its page
            text = _plain_text(_decode_text(data, charset, what), data)
            if text:
                content.texts.append(text)
            return
    if _has_data(data):
        limit = MAX_PDF_BYTES if _media(att.contentType)[0] == "application/pdf" \
            else MAX_TEXT_CHARS * 4
        _take(content, att.contentType, _b64(att.data, what, limit), what)
        return
    if att.url:
        media = _media(att.contentType)[0]
        if media.startswith("image/") or media.startswith("video/"):
            content.skip(media)
            return
        fetched = fetcher.binary(att.url) if fetcher is not None else None
        if fetched is None:
            content.skip(f"{media or 'content'} by URL not on this server")
            return
        ctype, raw = fetched
        _take(content, att.contentType or ctype, raw, what)
        return
    content.skip("an attachment with neither data nor url")


def narrative_of(text: m.Narrative | None) -> tuple[str, str]:
    """``(safe markup, plain text)`` of a resource's narrative; empty when none."""
    if text is None or not text.div:
        return "", ""
    return sanitise(text.div)


def not_shown(content: Content) -> str:
    """What a rejection adds when attachments were left out: `` (not shown: …)``."""
    if not content.skipped:
        return ""
    return " (not shown: " + ", ".join(sorted(set(content.skipped)))[:120] + ")"


def read_sections(sections: Sequence[m.Section], parts: list[str], words: list[str],
                  depth: int) -> None:
    """A Composition's sections (and their sections, four levels at most) as markup
    ``parts`` (headings, then each narrative) and their plain ``words``."""
    for section in sections:
        heading = section.title or concept_text(section.code)
        markup, text = narrative_of(section.text)
        if heading and (text or section.section):
            tag = "h3" if depth == 0 else "h4"
            heading = one_line(heading, MAX_TITLE_CHARS)
            parts.append(f"<{tag}>{html.escape(heading, quote=False)}</{tag}>")
            words.append(heading)
        if text:
            parts.append(markup)
            words.append(text)
        if section.section and depth < 4:
            read_sections(section.section, parts, words, depth + 1)
