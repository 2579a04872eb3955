"""parse_message never raises: random bytes and mutated fixtures (hypothesis)."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relay_mail_ingest.domain.message import ParsedMessage
from relay_mail_ingest.domain.parse import parse_message

MAILS = Path(__file__).resolve().parent / "mails"
FIXTURES = sorted(p.read_bytes() for p in MAILS.glob("*.eml") if p.stat().st_size)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(raw: bytes) -> None:
    msg = parse_message(raw, max_part_bytes=4096)
    assert isinstance(msg, ParsedMessage)
    assert isinstance(msg.text, str) and isinstance(msg.subject, str)
    assert "\x00" not in msg.text


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(raw: bytes) -> None:
    _check(raw)


@FUZZ
@given(
    st.sampled_from(FIXTURES),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=20),
)
def test_byte_flips(raw: bytes, flips: list[tuple[int, int]]) -> None:
    data = bytearray(raw)
    for position, value in flips:
        data[position % len(data)] = value
    _check(bytes(data))


@FUZZ
@given(st.sampled_from(FIXTURES), st.floats(min_value=0, max_value=1))
def test_truncation(raw: bytes, fraction: float) -> None:
    _check(raw[: int(len(raw) * fraction)])


@FUZZ
@given(st.sampled_from(FIXTURES), st.booleans(), st.binary(max_size=64))
def test_boundary_removal_and_junk_insertion(raw: bytes, drop_boundaries: bool, junk: bytes) -> None:
    data = re.sub(rb'boundary="?[^";\r\n]*"?', b"", raw) if drop_boundaries else re.sub(rb"\r?\n--[^\r\n]*", b"", raw)
    middle = len(data) // 2
    _check(data[:middle] + junk + data[middle:])
