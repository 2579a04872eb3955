"""Bounces and auto-replies of real MTAs (sisimai set-of-emails in ../shared/corpora)."""

import email
import email.policy
from pathlib import Path

import pytest
from corpora_support import CORPORA, need

from relay_mail_ingest.domain.noise import classify

MAILDIR = CORPORA / "bounces-sisimai" / "maildir"

# Reports our rules do not recognise yet: each would become a ticket (None) or is taken
# for an auto-reply. Strict, so fixing one shows up.
NOT_YET = {
    "arf-22.eml": "ARF complaint without multipart/report, from an ordinary sender",
    "arf-23.eml": "ARF complaint without multipart/report, from an ordinary sender",
    "arf-24.eml": "ARF complaint without multipart/report, from an ordinary sender",
    "lhost-apachejames-01.eml": "no daemon sender, no report part",
    "lhost-fml-02.eml": "mailing-list manager's refusal, plain text",
    "lhost-fml-03.eml": "mailing-list manager's refusal, plain text",
    "lhost-kddi-01.eml": "Japanese subject, no-reply sender",
    "lhost-kddi-02.eml": "Japanese subject, no-reply sender",
    "lhost-kddi-03.eml": "Japanese subject, no-reply sender",
    "lhost-mfilter-03.eml": "no daemon sender, plain-text report",
    "lhost-mfilter-04.eml": "no daemon sender, plain-text report",
    **{
        n: "not examined yet: no daemon sender/report part our rules see"
        for n in (
            "lhost-postfix-75.eml",
            "lhost-sendmail-14.eml",
            "lhost-trendmicro-01.eml",
            "lhost-verizon-02.eml",
            "lhost-x1-04.eml",
        )
    },
    **{f"lhost-amazonses-{n:02d}.eml": "SES bounce as an SNS JSON notification" for n in range(9, 14)},
}


def _need() -> None:
    need(MAILDIR)


def _read(path: Path) -> email.message.Message:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)


def _names(folder: str) -> list[str]:
    path = MAILDIR / folder
    return sorted(p.name for p in path.glob("*.eml")) if path.is_dir() else ["<missing>"]


def _expected(name: str) -> str:
    return "auto_reply" if name.startswith("rfc3834") else "bounce"


@pytest.mark.parametrize("name", _names("bsd"))
def test_bsd_never_a_persons_mail(name: str) -> None:
    _need()
    verdict = classify(_read(MAILDIR / "bsd" / name))
    if verdict.kind is None and name in NOT_YET:
        pytest.xfail(NOT_YET[name])
    assert verdict.kind is not None, verdict.reason


def test_bsd_exact_kind_rate() -> None:
    _need()
    files = sorted((MAILDIR / "bsd").glob("*.eml"))
    exact = sum(classify(_read(p)).kind == _expected(p.name) for p in files)
    print(f"exact kind: {exact}/{len(files)}")
    assert exact / len(files) >= 0.95


def test_lhost_failed_addresses_rate() -> None:
    _need()
    files = sorted((MAILDIR / "bsd").glob("lhost-*.eml"))
    found = sum(bool(classify(_read(p)).failed) for p in files)
    print(f"failed addresses found: {found}/{len(files)}")
    assert found / len(files) >= 0.80


@pytest.mark.parametrize("name", _names("not"))
def test_not_bounces(name: str) -> None:
    _need()
    verdict = classify(_read(MAILDIR / "not" / name))
    assert verdict.kind != "bounce"
    if name == "rb-issue-368-bug.eml":
        # A postmaster's notice carrying Auto-Submitted: auto-replied: not a bounce, but
        # by RFC 3834 it must not get an automatic answer either.
        assert verdict.kind == "auto_reply"
    else:
        assert verdict.kind is None
