"""parse_message over the shared real-world corpora: never an exception, never slow."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from corpora_support import CORPORA, need

from relay_mail_ingest.domain.message import ParsedMessage
from relay_mail_ingest.domain.parse import parse_message

FLANKER = CORPORA / "mime-flanker" / "tests" / "fixtures" / "messages"
MAILPARSER = CORPORA / "mime-mailparser" / "tests" / "mails"
LIMIT_SECONDS = 5.0


def _require(folder: Path) -> list[Path]:
    need(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    assert files, f"{folder} holds no files"
    return files


def _parse_all(files: list[Path]) -> dict[str, ParsedMessage]:
    results: dict[str, ParsedMessage] = {}
    timings: list[tuple[float, str]] = []
    for path in files:
        raw = path.read_bytes()
        started = time.perf_counter()
        msg = parse_message(raw)
        timings.append((time.perf_counter() - started, path.name))
        assert isinstance(msg, ParsedMessage), path
        results[str(path.relative_to(CORPORA))] = msg
    slowest, name = max(timings)
    print(f"\nslowest: {name} in {slowest:.3f} s over {len(files)} messages")
    too_slow = [(t, n) for t, n in timings if t > LIMIT_SECONDS]
    assert not too_slow, f"over {LIMIT_SECONDS} s: {too_slow} (slowest {name}, {slowest:.3f} s)"
    return results


def test_flanker_corpus_parses_quickly_without_exceptions() -> None:
    results = _parse_all(_require(FLANKER))
    assert len(results) > 100
    for key, msg in results.items():
        assert isinstance(msg.subject, str) and isinstance(msg.text, str), key
        assert all(isinstance(a.content, bytes) for a in msg.attachments), key


def test_mailparser_corpus_parses_quickly_with_readable_fields() -> None:
    results = _parse_all(_require(MAILPARSER))
    assert len(results) >= 20
    for key, msg in results.items():
        assert isinstance(len(msg.attachments), int), key
        if "unparsable" in msg.flags:
            continue  # mail_outlook_1 is an Outlook .msg (OLE) file, not RFC 822
        assert isinstance(msg.subject, str) and msg.subject.strip(), key
    dated = [m for m in results.values() if m.date is not None]
    assert len(dated) >= len(results) // 2
    assert all(m.date.tzinfo is not None for m in dated)


@pytest.mark.parametrize(
    ("folder", "name", "subject", "attachments"),
    [
        ("mailparser", "mail_test_3", "Hi there", 1),
        ("mailparser", "mail_test_7", "I: Ordine", 8),
        ("mailparser", "mail_test_16", "Test spam mail (GTUBE)", 0),
        ("flanker", "torture.eml", "Multi-media mail demonstration", 11),
    ],
)
def test_known_corpus_messages(folder: str, name: str, subject: str, attachments: int) -> None:
    base = MAILPARSER if folder == "mailparser" else FLANKER
    _require(base)
    msg = parse_message((base / name).read_bytes())
    assert msg.subject == subject
    assert len(msg.attachments) == attachments


def test_known_flanker_edge_cases() -> None:
    _require(FLANKER)
    signed = parse_message((FLANKER / "signed.eml").read_bytes())
    assert "signed" in signed.flags
    assert "smime.p7s" in [a.filename for a in signed.attachments]
    yahoo = parse_message((FLANKER / "russian-attachment-yahoo.eml").read_bytes())
    assert len(yahoo.attachments) == 1
    assert yahoo.attachments[0].filename.startswith("\u041a\u0430\u0440\u0442\u0438\u043d\u043a\u0430")
    endless = parse_message((FLANKER / "enclosed-endless.eml").read_bytes())
    assert endless.subject == "Wow" and "malformed" in endless.flags
