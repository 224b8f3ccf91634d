"""Text from people and files, made safe to show: one helper for screens, exports and logs.

A name, a comment, a catalog label or a file name may hold terminal control
sequences (ESC, CSI, OSC: a candidate's file name could set the staff
terminal's title), C0/C1 controls, bidi overrides (`U+202E` shows the
program "cv<U+202E>fdp.exe" as "cvexe.pdf") or newlines. Neither Rich nor Textual
removes ESC from text, so everything a person typed or imported goes through
`safe_text` before it reaches a widget, the CSV export, the PDF dossier or
the log. Nothing is silently dropped: a control is shown visibly, in ASCII so
any terminal font shows it:

- C0 controls and DEL in caret notation, as `cat -v` does: ESC is `^[`,
  BEL `^G`, DEL `^?`;
- C1 controls, bidi controls, line/paragraph separators, BOM and lone
  surrogates as `<U+XXXX>`;
- a newline (`\\n`, `\\r\\n`) as `↵` on one line, kept where several lines are
  allowed; a tab as one space on one line, kept otherwise.

Free of Textual: services, the store's migrations and the screens all use it.
"""

from __future__ import annotations

import logging
import re

NEWLINE_MARK = "↵"

# Bidi embeddings/overrides/isolates and marks, then line/paragraph separators, BOM.
_FORMAT = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}\ud800-\udfff]")
_ONE_LINE_BREAK = re.compile("\r\n|\n")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


def safe_text(value: object, *, multiline: bool = False) -> str:
    """`value` as text a terminal, a spreadsheet or a log shows as is.

    On one line (the default) a newline becomes `↵` and a tab a space; with
    `multiline=True` newlines and tabs are kept, every other control is made
    visible. `None` is the empty string.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if multiline:
        text = text.replace("\r\n", "\n")
        return _UNSAFE.sub(lambda m: m.group() if m.group() in "\n\t" else _visible(m), text)
    if "\n" in text:
        text = _ONE_LINE_BREAK.sub(NEWLINE_MARK, text)
    return _UNSAFE.sub(lambda m: " " if m.group() == "\t" else _visible(m), text)


def without_controls(text: str) -> str:
    """`text` without its controls, bidi overrides and lone surrogates: the last
    guard of terminal output (every one of them is zero cells wide, so a line
    keeps its width). Screens show data with `safe_text` instead."""
    return _UNSAFE.sub("", text)


def has_controls(text: str) -> bool:
    """Does `text` hold what `without_controls` removes?"""
    return _UNSAFE.search(text) is not None


def is_safe(text: str, *, multiline: bool = False) -> bool:
    """True when `safe_text` would return `text` unchanged."""
    return safe_text(text, multiline=multiline) == text


_FORMULA_START = ("=", "+", "-", "@")


def csv_cell(value: object) -> object:
    """A spreadsheet cell that is never a formula (OWASP "CSV injection"), its text made safe.

    Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return (also
    after spaces) gets a leading `'`, which spreadsheets show as text; a
    number stays a number.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = safe_text(value)
    if value[:1] in ("\t", "\r") or text.lstrip()[:1] in _FORMULA_START:
        return "'" + text
    return text


class SafeFormatter(logging.Formatter):
    """A log formatter whose lines never carry a control from data.

    The message is one line (a newline in data cannot forge a log line); a
    traceback keeps its lines, every other control made visible.
    """

    def format(self, record: logging.LogRecord) -> str:
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg = safe_text(record.getMessage())
        safe.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        safe.exc_info = None
        safe.exc_text = safe_text(record.exc_text, multiline=True) if record.exc_text else None
        safe.stack_info = safe_text(record.stack_info, multiline=True) if record.stack_info else None
        return super().format(safe)


__all__ = ["NEWLINE_MARK", "SafeFormatter", "csv_cell", "has_controls", "is_safe", "safe_text", "without_controls"]
