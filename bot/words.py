"""Splitting a slash command's text into words as people type them: spaces separate words, double
quotes (straight or typographic) group them, and an apostrophe is just a letter, so
`/rfc fcp 3 reject we don't need it` reads as people mean it."""

from __future__ import annotations

from dataclasses import dataclass

OPEN_CLOSE = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c"}


@dataclass(frozen=True)
class Word:
    text: str
    start: int  # where the word (or its opening quote) starts in the typed text
    end: int


def split(text: str) -> list[Word]:
    """The words of text; a quote that is never closed runs to the end of the text."""
    out: list[Word] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        if text[i] in OPEN_CLOSE:
            close = OPEN_CLOSE[text[i]]
            j = text.find(close, i + 1)
            j = n if j < 0 else j
            out.append(Word(text[i + 1:j], start, min(j + 1, n)))
            i = j + 1
            continue
        while i < n and not text[i].isspace():
            i += 1
        out.append(Word(text[start:i], start, i))
    return out


def rest(text: str, words: list[Word], k: int) -> str:
    """Everything typed from word k on, as typed (one quoted word loses its quotes)."""
    if k >= len(words):
        return ""
    if k == len(words) - 1:
        return words[k].text
    return text[words[k].start:].strip()
