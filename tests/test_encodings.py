"""The one rule for the encoding of a text file kui reads (`domain/encodings.py`), and the
import that reads through it: detected or given, streaming, an unreadable byte stops the import
before anything is written, wherever it is."""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kui_cli.domain import encodings
from kui_cli.errors import KuiError
from tests.conftest import KuiRunner, ok, snapshot

CP1252_CHARS = "".join(
    ch for ch in (bytes([b]).decode("cp1252", "ignore") for b in range(1, 256)) if ch
)
DANISH = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ 0123456789,;-.\n\r\"'æøåÆØÅéüö"),
    max_size=300,
)
CHUNKS = st.sampled_from([1, 2, 3, 5, 64, encodings.CHUNK])


def read(data: bytes, encoding: str | None = None, chunk: int = 7) -> tuple[str, str]:
    handle = encodings.text_stream(io.BytesIO(data), "f.csv", encoding, chunk)
    return handle.read(), encodings.encoding_of(handle)


@pytest.mark.parametrize(
    ("data", "text", "name"),
    [
        ("cpr;name\nÆble Ø\r\n".encode(), "cpr;name\nÆble Ø\r\n", "utf-8"),
        (b"\xef\xbb\xbfcpr;name\n\xc3\xa6", "cpr;name\næ", "utf-8"),
        ("navn;skole\nSøren;Ærø €".encode("cp1252"), "navn;skole\nSøren;Ærø €", "cp1252"),
        (b"a\xe6b\x81c", "aæb\x81c", "latin-1"),  # 0x81 is undefined in Windows-1252
        ("hej æøå\n".encode("utf-16"), "hej æøå\n", "utf-16"),
        (b"plain ascii\n", "plain ascii\n", "utf-8"),
        (b"", "", "utf-8"),
    ],
)
def test_detected(data: bytes, text: str, name: str) -> None:
    assert read(data) == (text, name)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ok\n\xc3\xb8\nthen \xe6 cp1252\n", "line 3 (byte 11): byte 0xE6 is not UTF-8"),
        (b"a\x80b\x81", "line 1 (byte 3): byte 0x81 is not Windows-1252"),
        (b"ab\ncd\x00", "line 2 (byte 5): a NUL byte"),
        (b"\xc3\xb8 then cut \xe6", "the file ends inside a UTF-8 sequence"),
        (b"\xff\xfe\x00\x81odd", "not UTF-8"),  # a UTF-16 mark, then 7 bytes
    ],
)
def test_undecodable_names_line_and_byte(data: bytes, message: str) -> None:
    with pytest.raises(encodings.Undecodable) as caught:
        read(data, chunk=3)
    assert message in str(caught.value)
    assert "--encoding" in str(caught.value)


def test_given_encoding_is_used_and_checked() -> None:
    assert read("Ærø".encode("cp1252"), "cp1252") == ("Ærø", "cp1252")
    assert read(b"\xc3\xa6", "latin-1") == ("Ã¦", "latin-1")  # told, not detected
    assert read(b"\xef\xbb\xbfa", "utf-8") == ("a", "utf-8")  # the mark is no text
    with pytest.raises(encodings.Undecodable, match="not utf-8 text \\(--encoding utf-8\\)"):
        read(b"a\xe6", "utf-8")
    for name, message in (("klingon", "unknown encoding 'klingon'"), ("hex", "not a text")):
        with pytest.raises(KuiError, match=message):
            encodings.checked_encoding(name)
    assert encodings.checked_encoding("UTF8") == "utf-8"


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
       chunk=CHUNKS)  # fmt: skip
def test_any_utf8_text_round_trips(text: str, chunk: int) -> None:
    assume(not text.startswith("\ufeff"))  # a leading mark is the byte-order mark
    assert read(text.encode("utf-8"), chunk=chunk) == (text, "utf-8")


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from(CP1252_CHARS)), chunk=CHUNKS)
def test_any_cp1252_text_is_read_as_it_was_or_as_the_utf8_it_also_is(text: str, chunk: int) -> None:
    """Windows-1252 bytes whose first non-ASCII sequence is valid UTF-8 are read as UTF-8 (or,
    when a later byte is not, refused): the only way a Windows-1252 text is not read back.

    A text that begins with the bytes of a byte-order mark ("þÿ", "ÿþ", "ï»¿") is another
    file: the mark decides, as it does for every reader, and the cases above show how such a
    file is read. No CSV kui reads begins with those letters (its first line is a header)."""
    data = text.encode("cp1252")
    assume(not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)))
    try:
        got, name = read(data, chunk=chunk)
    except encodings.Undecodable:
        first = next(i for i, b in enumerate(data) if b >= 0x80)
        assert any(_utf8(data[first : first + size]) for size in (2, 3, 4))
        return
    if name == "utf-8":
        assert got == data.decode("utf-8")
    else:
        assert (got, name) == (text, "cp1252")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(text=DANISH, chunk=CHUNKS)
def test_danish_text_round_trips_in_either_encoding(text: str, chunk: int) -> None:
    assert read(text.encode("utf-8"), chunk=chunk)[0] == text
    got, name = read(text.encode("cp1252"), chunk=chunk)
    assert got == text and name == ("utf-8" if text.isascii() else "cp1252")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200), chunk=CHUNKS)
def test_any_bytes_are_text_or_one_clear_error(data: bytes, chunk: int) -> None:
    try:
        read(data, chunk=chunk)
    except encodings.Undecodable as exc:
        assert str(exc).startswith("f.csv line ")


# --- the import reads through it ---

ROWS = "cpr;name;school\n150310-4321;Søren Ærø;Ulkebøl Skole\n010108-4001;Åse Bøg;\n"


def write_bytes(tmp_path: Path, data: bytes, name: str = "youths.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def names(ready: KuiRunner) -> list[str]:
    return [r["name"] for r in json.loads(ok(ready("youth", "list", "-f", "json")).stdout)]


@pytest.mark.parametrize(
    ("encoding", "name"), [("utf-8-sig", "utf-8"), ("cp1252", "cp1252"), ("utf-16", "utf-16")]
)
def test_an_excel_file_in_any_usual_encoding_is_imported(
    ready: KuiRunner, tmp_path: Path, encoding: str, name: str
) -> None:
    path = write_bytes(tmp_path, ROWS.encode(encoding))
    done = json.loads(ok(ready("youth", "import", path, "-f", "json")).stdout)
    assert (done["new"], done["encoding"]) == (2, name)
    assert names(ready) == ["Søren Ærø", "Åse Bøg"]


def test_latin1_and_a_given_encoding(ready: KuiRunner, tmp_path: Path) -> None:
    latin = "cpr,name,school\n150310-4321,Søren,Skole\x81\n".encode("latin-1")
    done = json.loads(
        ok(ready("youth", "import", write_bytes(tmp_path, latin), "-f", "json")).stdout
    )
    assert done["encoding"] == "latin-1"
    utf8_look = "cpr,name\n010108-4001,BjÃ¸rn\n".encode("cp1252")  # valid UTF-8 as well
    path = write_bytes(tmp_path, utf8_look, "given.csv")
    ok(ready("youth", "import", path, "--encoding", "cp1252"))
    assert names(ready) == ["Søren", "BjÃ¸rn"]


def test_unknown_encoding_is_one_clear_line(ready: KuiRunner, db_url: str, tmp_path: Path) -> None:
    before = snapshot(db_url)
    result = ready("youth", "import", write_bytes(tmp_path, b"cpr,name\n"), "--encoding", "x-y")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: unknown encoding 'x-y': give a name such as utf-8, cp1252, latin-1 or utf-16"
    ]
    assert snapshot(db_url) == before


def _many(count: int) -> list[bytes]:
    lines = [b"cpr,name,status,need"]
    for i in range(count):
        day, month, serial = (i % 28) + 1, (i // 28) % 12 + 1, i // 336
        lines.append(f"{day:02d}{month:02d}08-4{serial:03d},Ung {i},none,A".encode())
    return lines


def test_a_bad_byte_late_in_a_large_file_imports_nothing(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """UTF-8 from line 3 on (ø), then a Windows-1252 æ on line 3,001, far beyond the first
    chunk a reader might sample: the line is named, nothing imported."""
    lines = _many(4000)
    lines[1] = lines[1].replace(b"Ung", "Ung Sø".encode())
    lines[3000] = lines[3000].replace(b"Ung", b"Ung \xe6")
    before = snapshot(db_url)
    result = ready("youth", "import", write_bytes(tmp_path, b"\n".join(lines) + b"\n"))
    assert result.exit_code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: ") and "line 3001 (byte " in error
    assert "is not UTF-8" in error and "--encoding cp1252" in error
    assert snapshot(db_url) == before
    nul = _many(4000)
    nul[3500] += b"\x00"
    result = ready("youth", "import", write_bytes(tmp_path, b"\n".join(nul) + b"\n"))
    assert result.exit_code == 1 and "line 3501" in result.stderr and "NUL" in result.stderr
    assert snapshot(db_url) == before


def test_a_late_first_non_ascii_byte_decides_then(ready: KuiRunner, tmp_path: Path) -> None:
    """An ASCII file whose first æ (Windows-1252) is on line 3,001 is Windows-1252 throughout."""
    lines = _many(4000)
    lines[3000] = lines[3000].replace(b"Ung", b"Ung \xe6")
    path = write_bytes(tmp_path, b"\n".join(lines) + b"\n")
    done = json.loads(ok(ready("youth", "import", path, "-f", "json")).stdout)
    assert (done["new"], done["encoding"]) == (4000, "cp1252")
    assert names(ready)[2999] == "Ung æ 2999"
