"""What member-written text becomes before the engine stores or compares it.

Text enters the engine in two places (command options, and prompt answers), and both call
``clean_text``, so every title, description, reason, answer, name and brief follows one rule:

* Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) are removed: they make a
  title read backwards in every reply, card and export that quotes it.
* Invisible characters (zero-width space and joiners, word joiner, BOM, other format characters,
  blank fillers) and white space at either end are removed. Inside the text they stay, because
  joiners hold emoji sequences and some scripts together; a text with nothing visible left is
  empty, so it is refused wherever an empty text is.

``title_key`` is what duplicate titles are compared by: NFKC, case-folded, every invisible
character dropped and white space collapsed, so "Oat Latte", "ｏａｔ latte" and "Oat\\u200b latte"
are the same title.
"""

from __future__ import annotations

import unicodedata

#: overrides and embeddings (U+202A–U+202E) and isolates (U+2066–U+2069)
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

#: blank characters that are letters or marks to Unicode but show nothing (Hangul fillers,
#: Khmer inherent vowels, the combining grapheme joiner, the braille blank, variation selectors)
_BLANK_NON_FORMAT = frozenset(
    chr(c)
    for c in (
        0x034F,
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x180B,
        0x180C,
        0x180D,
        0x180F,
        0x2800,
        0x3164,
        0xFFA0,
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    )
)


def is_invisible(char: str) -> bool:
    """White space, control and format characters, and the blank fillers above."""
    if char in _BLANK_NON_FORMAT or char.isspace():
        return True
    return unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def is_blank(text: str) -> bool:
    """Nothing visible: empty, or only white space and invisible characters."""
    return all(is_invisible(c) for c in text)


def clean_text(text: str) -> str:
    """Text as stored: no bidi controls, no invisible characters or white space at the ends;
    ``""`` when nothing visible is left."""
    text = "".join(c for c in text if c not in BIDI_CONTROLS)
    start, end = 0, len(text)
    while start < end and is_invisible(text[start]):
        start += 1
    while end > start and is_invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def one_line(text: str) -> str:
    """``clean_text`` with every run of white space (line breaks too) made one space."""
    return " ".join(clean_text(text).split())


def title_key(title: str) -> str:
    """Duplicate-detection key: NFKC, case-folded, invisible characters dropped, white space
    collapsed. Two titles with the same key are the same title."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", title).casefold())
    words = "".join(" " if c.isspace() else c for c in folded if c.isspace() or not is_invisible(c))
    return " ".join(words.split())
