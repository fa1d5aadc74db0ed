"""Format characters leave names and titles before masking (R-SHOW-1); upstream markup
reduced to the safe subset the same way, whichever way it is tokenised (R-SHOW-5)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.narrative import (
    FORMAT_RANGES,
    _plain,
    _quick,
    _Sanitiser,
    sanitise,
    strip_invisible,
)


def listed() -> set[int]:
    return {c for a, b in FORMAT_RANGES for c in range(a, b + 1)}


def test_every_format_character_of_this_pythons_unicode_is_listed() -> None:
    """The hard-coded ranges hold every Cf character this Python knows; what they hold
    beyond it is unassigned here (a later Unicode's format characters)."""
    known = {c for c in range(0x80, 0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert known <= listed()
    assert all(unicodedata.category(chr(c)) == "Cn" for c in listed() - known)
    # strip_invisible skips printable text: none of them is printable.
    assert not any(chr(c).isprintable() for c in listed())


def test_format_characters_are_stripped_and_others_kept_r_show_1() -> None:
    mixed = "\u200bРим\u00adская\u202e \u2066Елена\u2069 \U000e0041"
    assert strip_invisible(mixed) == "Римская Елена "
    assert strip_invisible("Иван Петрович") == "Иван Петрович"
    assert strip_invisible("plain ascii") == "plain ascii"


# ---------------------------------------------------------------- the quick tokenizer

_TAGS = ["p", "P", "div", "br", "b", "i", "h1", "h2", "h6", "ul", "ol", "li", "table", "tr",
         "td", "TD", "th", "tbody", "span", "a", "img", "script", "style", "title", "svg",
         "o:p", "my-tag", "x1", "iframe", "noscript"]
_SPACE = st.sampled_from([" ", "  ", "\n", "\t", "\r\n", "\f", "\v", "\xa0", ""])
_VALUE = st.sampled_from(["2", "3", "51", "0", "x", "", "a b", "a&amp;b", "1>2", "javascript:x",
                          "03", "\u00b2", "\u0663", "9" * 4301])


@st.composite
def _attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(["colspan", "ROWSPAN", "class", "style", "href", "xmlns",
                                 "data-x", "src", "on:click", "n0wrap"]))
    quote = draw(st.sampled_from(['"', "'", ""]))
    if draw(st.booleans()):
        return name
    return f"{name}{draw(_SPACE)}={draw(_SPACE)}{quote}{draw(_VALUE)}{quote}"


@st.composite
def _token(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    tag = draw(st.sampled_from(_TAGS))
    if kind <= 3:
        return draw(st.text(st.sampled_from("ab Жж\n\t&;#<>x0\u200b\u202e\xa0'\""
                                            "\x01\x0b\x0c\x1b\x7f\x85"),
                            max_size=12)) or "текст"
    if kind == 4:
        return draw(st.sampled_from(["&amp;", "&lt;", "&nbsp;", "&#1046;", "&#x416;", "&bogus;",
                                     "&", "<!-- c -->", "<!DOCTYPE html>", "<?xml?>", "< p>",
                                     "</ p>", "</>", "<", "<![CDATA[x]]>"]))
    if kind <= 7:
        attrs = "".join(draw(_SPACE) + draw(_attribute())
                        for _ in range(draw(st.integers(0, 2))))
        return f"<{tag}{attrs}{draw(_SPACE)}{draw(st.sampled_from(['', '/']))}>"
    return f"</{tag}{draw(_SPACE)}>"


def _by_the_parser(markup: str) -> tuple[str, str]:
    parser = _Sanitiser()
    parser.feed(markup.replace("\x00", ""))
    return parser.finish()


@settings(max_examples=1000, deadline=None)
@given(st.lists(_token(), max_size=14))
def test_the_quick_tokenizer_gives_what_the_parser_gives_r_show_5(tokens: list[str]) -> None:
    """Markup the quick way takes comes out as ``HTMLParser`` would make it; the rest
    is left to the parser (R-SHOW-5: one sanitiser, whichever way the markup went)."""
    markup = "".join(tokens)
    assert sanitise(markup) == _by_the_parser(markup)


def test_the_quick_tokenizer_takes_a_clinics_protocol() -> None:
    """A protocol as a clinic writes it goes the quick way, and means the same."""
    note = ('<div xmlns="http://www.w3.org/1999/xhtml"><h2>Протокол осмотра</h2>'
            "<p><b>Жалобы:</b> на кашель&nbsp;и насморк.</p><table><tbody><tr>"
            '<td colspan="2">АД</td><TD>120/80</TD></tr></tbody></table><br/>'
            "<ol><li>Парацетамол 500 мг.</li></ol></div>")
    quick = _quick(note)
    assert quick is not None
    assert quick == _by_the_parser(note) == sanitise(note)
    assert '<td colspan="2">АД</td>' in sanitise(note)[0]


def _line_by_line(words: str) -> str:
    text = "\n".join([" ".join(line.split()) for line in words.splitlines()])
    return re.sub("\n\n\n+", "\n\n", text).strip()


@settings(max_examples=2000, deadline=None)
@given(st.text(st.sampled_from(" \n\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2007\u2028"
                               "\u2029\u202f\u3000\u200bаb."), max_size=24))
def test_the_plain_text_is_the_same_taken_whole_or_line_by_line_r_show_5(words: str) -> None:
    """What a document's text search and speech read: every kind of whitespace Python
    knows, line breaks of every kind, runs and blank lines, normalised the same way
    whichever way ``_plain`` takes."""
    assert _plain(words) == _line_by_line(words)


def test_a_cell_span_in_any_digits_neither_rejects_the_note_nor_passes_r_show_5() -> None:
    """Found by review: ``"²".isdigit()`` holds and ``int("²")`` raises, as ``int()`` of
    4,301 digits does; such a span rejected the whole document (the quick way even
    inside a dropped element, where the parser never looks). A span is kept in ASCII
    digits from 2 to 50, the first of a repeated attribute only."""
    cases = {
        '<td colspan="\u00b2">x</td>': ("<td>x</td>", "x"),
        '<svg><td colspan="\u00b2"></svg><p>ok</p>': ("<p>ok</p>", "ok"),
        "<b>" * 64 + '<td colspan="\u00b2">x': ("<b>" * 64 + "x" + "</b>" * 64, "x"),
        '<td rowspan="' + "9" * 4301 + '">x</td>': ("<td>x</td>", "x"),
        '<td colspan="3" colspan="4" rowspan="03">x</td>':
            ('<td colspan="3" rowspan="3">x</td>', "x"),
    }
    for markup, expected in cases.items():
        assert sanitise(markup) == _by_the_parser(markup) == expected, markup[:60]


def test_the_end_tag_of_another_dropped_element_does_not_show_hidden_text_r_show_5() -> None:
    """Found by review: one depth count for every dropped element let the end tag of
    another one end the drop, and the text hidden in a drawing or a frame showed
    («shown», «secret»). A dropped element ends at its own end tag, with those inside
    it."""
    cases = {
        "<svg></style>shown</svg><p>after</p>": ("<p>after</p>", "after"),
        "<iframe></svg>secret</iframe>x": ("x", "x"),
        "<svg><iframe></svg>x": ("x", "x"),
        "<svg><svg></svg>inner</svg>outer": ("outer", "outer"),
        "</svg>stray end tag": ("stray end tag", "stray end tag"),
    }
    for markup, expected in cases.items():
        assert sanitise(markup) == _by_the_parser(markup) == expected, markup


def test_markup_with_an_element_read_as_text_goes_to_the_parser_whole_r_show_5() -> None:
    """Found by review: newer Python patch releases make ``HTMLParser`` read the content
    of ``textarea``, ``title``, ``xmp``, ``iframe``… as text; the quick way reads tags
    there. Markup with one of them is left to the parser, so the two ways cannot part
    after an interpreter upgrade."""
    for name in ("script", "STYLE", "title", "textarea", "xmp", "iframe", "noscript",
                 "plaintext", "noembed", "noframes"):
        markup = f"<p>a</p><{name} class=\"x\"><b>in</b></{name}><p>b</p>"
        assert _quick(markup) is None, name
        assert sanitise(markup) == _by_the_parser(markup)
    assert _quick("<p>a</p><scripts>b</scripts>") is not None  # only those names
