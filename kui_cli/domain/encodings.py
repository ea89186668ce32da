"""The one rule for the encoding of every text file kui reads (imports, feeds).

Danish Excel saves "CSV (semikolonsepareret)" in Windows-1252, other systems send UTF-8 with or
without a byte-order mark, a few UTF-16 with one. `open_text(path)` reads any of them as text,
streaming, without being told; `open_text(path, "cp1252")` reads the encoding it is given.

How the encoding is found, without reading the file twice:

- A byte-order mark says it: UTF-8 (the mark is dropped) or UTF-16.
- Otherwise the file is ASCII until its first non-ASCII byte, and ASCII reads the same in UTF-8,
  Windows-1252 and Latin-1. That byte decides: UTF-8 if a valid UTF-8 sequence starts there,
  else Windows-1252. So the decision is taken where it first matters, however late in the file
  (row 900,000 of an ASCII file is no different from row 2), and the text before it never
  changes meaning.
- Windows-1252 is Latin-1 with printable characters in place of the control codes 0x80-0x9F,
  except five bytes it leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D). A file with one of them is
  Latin-1, provided no byte of 0x80-0x9F came before it (then the text before reads the same in
  both); after such a byte it is neither.
- A byte that breaks the encoding decided on (a non-UTF-8 byte after UTF-8 text, a NUL byte,
  which no text has) is an `Undecodable` error naming the line and the byte offset, and
  suggesting `--encoding`. The reader raises it where the byte is, so a caller that validates a
  whole file before writing anything (the import, all or nothing) writes nothing.

The stream kui reads is a plain `io.TextIOWrapper` over UTF-8: underneath, a small raw stream
passes UTF-8 and ASCII through as they are (checked, not copied into text) and transcodes the
others, so `readline`, iteration and `csv.reader` work at the speed of Python's own file objects.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

CHUNK = 1 << 20
UTF8, UTF8_BOM, CP1252, LATIN1, UTF16 = "utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")  # printable in Windows-1252, control codes in Latin-1
_UNDECIDED = "ascii"


class Undecodable(KuiError):
    """A byte the file's encoding cannot read: the line, the byte offset and what to do."""


def checked_encoding(name: str) -> str:
    """The codec name of a user's `--encoding`, or one clear error for a name Python does not
    know (or a codec that does not decode bytes to text, such as base64)."""
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        raise KuiError(
            _(
                "unknown encoding {name}: give a name such as utf-8, cp1252, latin-1 or utf-16"
            ).format(name=repr(name))
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise KuiError(
            _("{name} is not a text encoding: give one such as utf-8 or cp1252").format(
                name=repr(name)
            )
        )
    return info.name


@contextmanager
def open_text(path: Path, encoding: str | None = None) -> Iterator[TextIO]:
    """The file as text with universal newlines kept as they are (`newline=""`, as `csv`
    wants): its encoding detected, or `encoding` (checked by `checked_encoding`). Reading
    raises `Undecodable` at a byte it cannot read. `encoding_of(handle)` names the encoding."""
    given = checked_encoding(encoding) if encoding is not None else None
    try:
        binary = path.open("rb")
    except OSError as exc:
        raise KuiError(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    with binary, text_stream(binary, str(path), given) as handle:
        yield handle


def text_stream(
    binary: BinaryIO, name: str, encoding: str | None = None, chunk: int = CHUNK
) -> TextIO:
    """`open_text` over an open binary stream (`chunk`: how much is read at a time)."""
    raw = _Transcoder(binary, name, encoding, chunk)
    handle = io.TextIOWrapper(io.BufferedReader(raw, chunk), encoding=UTF8, newline="")
    handle.kui_transcoder = raw  # type: ignore[attr-defined]
    return handle


def encoding_of(handle: TextIO) -> str:
    """The encoding a handle of `open_text` reads: what was given, or what the bytes read so far
    decided (`utf-8` for a file that is ASCII throughout)."""
    raw: _Transcoder = handle.kui_transcoder  # type: ignore[attr-defined]
    return raw.given or (UTF8 if raw.encoding == _UNDECIDED else raw.encoding)


class _Transcoder(io.RawIOBase):
    """Raw bytes in, UTF-8 out: the detection of the module docstring, one chunk at a time."""

    def __init__(self, source: BinaryIO, name: str, encoding: str | None, chunk: int) -> None:
        super().__init__()
        self.source, self.name, self.size = source, name, chunk
        self.encoding = encoding or ""
        self.given = encoding  # as the user named it (checked_encoding)
        self.decoder: codecs.IncrementalDecoder | None = None
        self.passthrough = False
        self.cp1252_seen = False
        self.offset = 0  # bytes of the source consumed
        self.lines = 0  # line breaks in what was consumed
        self.out = memoryview(b"")
        self.at = 0  # how much of `out` was handed on
        self.done = False
        if encoding is not None and encoding not in (UTF8, UTF8_BOM):
            self._decide(encoding)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """The next bytes of the current output chunk (the caller asks for 8 KiB at a time:
        a view and a position, so a chunk is never copied but once)."""
        while self.at >= len(self.out) and not self.done:
            self.out, self.at = memoryview(self._next()), 0
        count = min(len(buffer), len(self.out) - self.at)
        buffer[:count] = self.out[self.at : self.at + count]
        self.at += count
        return count

    # --- one chunk ---

    def _next(self) -> bytes:
        data = self.source.read(self.size)
        if self.offset == 0 and self.decoder is None:
            data = self._start(data)
        if not data:
            self.done = True
            return self._finish()
        if self.encoding == _UNDECIDED:
            data = self._read_on(data)
            return self._undecided(data)
        return self._decoded(data)

    def _start(self, data: bytes) -> bytes:
        """The byte-order mark, if any, decides; else the file is ASCII until it is not."""
        while len(data) < 4:
            more = self.source.read(self.size)
            if not more:
                break
            data += more
        if data.startswith(codecs.BOM_UTF8):
            self._decide(UTF8)
            self.offset = len(codecs.BOM_UTF8)
            return data[len(codecs.BOM_UTF8) :]
        if self.given:
            self._decide(UTF8)  # given as UTF-8: with or without its mark
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            self._decide(UTF16)
        else:
            self.encoding = _UNDECIDED
        return data

    def _read_on(self, data: bytes) -> bytes:
        """A first non-ASCII byte near the chunk's end: read on until its whole UTF-8 sequence
        (at most 4 bytes) is in, so the decision sees it."""
        found = _NON_ASCII.search(data)
        while found and len(data) - found.start() < 4:
            more = self.source.read(self.size)
            if not more:
                break
            data += more
        return data

    def _undecided(self, data: bytes) -> bytes:
        found = _NON_ASCII.search(data)
        if found is None:
            return self._passed(data)
        first = found.start()
        try:
            data[first : first + 4].decode(UTF8)
            utf8 = True
        except UnicodeDecodeError as exc:
            utf8 = exc.start > 0  # the first sequence is whole; what follows is checked later
        self._decide(UTF8 if utf8 else CP1252)
        return self._decoded(data)

    def _decide(self, encoding: str) -> None:
        self.encoding = encoding
        self.passthrough = encoding in (UTF8, UTF8_BOM)
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")

    def _decoded(self, data: bytes) -> bytes:
        assert self.decoder is not None
        held = self.decoder.getstate()[0]  # the start of a sequence the last chunk cut
        try:
            text = self.decoder.decode(data)
        except UnicodeDecodeError as exc:
            text = self._after_error(data, exc, held)
        if self.passthrough:
            return self._passed(data)
        if "\x00" in text:
            line = self.lines + text[: text.index("\x00")].count("\n") + 1
            raise Undecodable(
                _("{file} line {line}: a NUL character; {advice}").format(
                    file=self.name, line=line, advice=self._advice()
                )
            )
        if self.encoding == CP1252 and not self.cp1252_seen:
            self.cp1252_seen = bool(_CP1252_ONLY.search(data))
        self.lines += text.count("\n")
        self.offset += len(data)
        return text.encode(UTF8)

    def _after_error(self, data: bytes, exc: UnicodeDecodeError, held: bytes) -> str:
        """Windows-1252 meeting one of its five undefined bytes becomes Latin-1 when nothing
        before told the two apart (and when the encoding was not given); any other error is
        the file's. `exc` counts from the start of `held + data`."""
        byte = (held + data)[exc.start]
        at = exc.start - len(held)  # in `data`; negative for a byte of the last chunk
        told_apart = self.cp1252_seen or _CP1252_ONLY.search(data, 0, at)
        if self.encoding == CP1252 and not self.given and not told_apart:
            self._decide(LATIN1)
            return data.decode(LATIN1)
        problem = _("byte {byte} is not {encoding}")
        raise self._error(
            data, at, problem.format(byte=f"0x{byte:02X}", encoding=_label(self.encoding))
        )

    def _passed(self, data: bytes) -> bytes:
        """ASCII or UTF-8, checked: passed on as it is."""
        at = data.find(b"\x00")
        if at >= 0:
            raise self._error(data, at, _("a NUL byte, which no text has"))
        self.lines += data.count(b"\n")
        self.offset += len(data)
        return data

    def _finish(self) -> bytes:
        if self.decoder is not None:
            held = len(self.decoder.getstate()[0])
            try:
                self.decoder.decode(b"", True)
            except UnicodeDecodeError:
                self.offset -= held
                what = _("the file ends inside a {encoding} sequence")
                raise self._error(b"", 0, what.format(encoding=_label(self.encoding))) from None
        return b""

    def _error(self, data: bytes, at: int, what: str) -> Undecodable:
        """The error at byte `at` of `data`; `what` (a clause of its own) says what is wrong."""
        line = self.lines + data.count(b"\n", 0, max(at, 0)) + 1
        return Undecodable(
            _("{file} line {line} (byte {offset}): {problem}; {advice}").format(
                file=self.name,
                line=line,
                offset=self.offset + at,
                problem=what,
                advice=self._advice(),
            )
        )

    def _advice(self) -> str:
        """What the reader can do, a clause of its own: name the encoding (kui itself decides
        among UTF-8, UTF-16 with a BOM and Windows-1252/Latin-1 only)."""
        if self.given:
            return _("the file is not {encoding} text (--encoding {encoding})").format(
                encoding=self.given
            )
        hint = CP1252 if self.encoding in (UTF8, UTF8_BOM) else "NAME"
        return _(
            "not UTF-8, UTF-16 (with a BOM) or Windows-1252/Latin-1 text as kui reads it: give "
            "--encoding {hint} if you know its encoding"
        ).format(hint=hint)


def _label(encoding: str) -> str:
    return {
        UTF8: "UTF-8",
        UTF8_BOM: "UTF-8",
        CP1252: "Windows-1252",
        LATIN1: "Latin-1",
        UTF16: "UTF-16",
    }.get(encoding, encoding)
