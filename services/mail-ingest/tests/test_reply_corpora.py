"""Quote stripping against the talon and email_reply_parser fixtures (../shared/corpora)."""

import email
import email.policy
from pathlib import Path

import pytest
from corpora_support import CORPORA, need

from relay_mail_ingest.domain.html_text import html_to_text
from relay_mail_ingest.domain.reply import visible_reply

TALON = CORPORA / "replies-talon" / "tests" / "fixtures"
GITHUB = CORPORA / "replies-github" / "test" / "emails"


def _need(path: Path) -> None:
    need(path)


def _squash(text: str) -> str:
    return "".join(text.split())


def _names(folder: Path, pattern: str) -> list[str]:
    return sorted(p.name for p in folder.glob(pattern)) if folder.is_dir() else ["<missing>"]


@pytest.mark.parametrize("name", _names(TALON / "standard_replies", "*.eml"))
def test_talon_standard_replies(name: str) -> None:
    folder = TALON / "standard_replies"
    _need(folder)
    msg = email.message_from_bytes((folder / name).read_bytes(), policy=email.policy.default)
    part = msg.get_body(("plain",))
    text = part.get_content() if part else ""
    html = None if text else msg.get_body(("html",)).get_content()
    got = visible_reply(text, html)
    expected_file = folder / name.replace(".eml", "_reply_text")
    if expected_file.exists():
        # talon keeps signatures; our stripper removes them, so both sides go through it.
        expected = expected_file.read_text()
        assert _squash(got) == _squash(visible_reply(expected))
        assert _squash(expected).startswith(_squash(got))
    else:
        assert _squash(got) == "Hello"


@pytest.mark.parametrize("name", _names(TALON / "html_replies", "*.html"))
def test_talon_html_replies(name: str) -> None:
    folder = TALON / "html_replies"
    _need(folder)
    html = (folder / name).read_text(encoding="utf-8", errors="replace")
    assert _squash(visible_reply("", html)) == _squash("Hi. I am fine. Thanks, Alex")
    # The text path (html converted first, no HTML cuts) must agree.
    assert _squash(visible_reply(html_to_text(html))) == _squash("Hi. I am fine. Thanks, Alex")


GITHUB_EXPECTED = {
    "correct_sig.txt": "this is an email with a correct -- signature.",
    "email_1_1.txt": "Hi folks\n\nWhat is the best way to clear a Riak bucket of all key, values after\nrunning a test?"
    "\nI am currently using the Java HTTP API.\n\n-Abhishek Kona",
    "email_1_3.txt": "Oh thanks.\n\nHaving the function would be great.\n\n-Abhishek Kona",
    "email_1_4.txt": "Awesome! I haven't had another problem with it.",
    "email_1_6.txt": "I get proper rendering as well.\n\nSent from a magnificent torch of pixels",
    "email_1_7.txt": ":+1:",
    "email_1_8.txt": "I will reply under this one\n\n>\n> okay?\n>\n\nand under this.",
    "email_2_1.txt": "Outlook with a reply",
    "email_2_2.txt": "Outlook with a reply directly above line",
    "email_2_3.txt": "Outlook with a reply directly above line",
    "email_BlackBerry.txt": "Here is another email",
    "email_iPhone.txt": "Here is another email",
    "email_multi_word_sent_from_my_mobile_device.txt": "Here is another email",
    "email_one_is_not_on.txt": "Thank, this is really helpful.\n\nOne outstanding question I had:\n\n"
    "Locally (on development), when I run...",
    "email_sent_from_my_not_signature.txt": "Here is another email\n\nSent from my desk, is much easier then my mobile phone.",  # noqa: E501
    "email_sig_delimiter_in_middle_of_line.txt": "Hi there!\n\nStuff happened.\n\n"
    "And here is a fix -- this is not a signature.\n\nkthxbai",
    "greedy_on.txt": "On your remote host you can run:\n\n     telnet 127.0.0.1 52698\n\nThis should connect to TextMate "  # noqa: E501
    "(on your Mac, via the tunnel). If that\nfails, the tunnel is not working.",
    "pathological.txt": "I think you're onto something. I will try to fix the problem as soon as I\nget back to a computer.",  # noqa: E501
}


@pytest.mark.parametrize("name", sorted(GITHUB_EXPECTED))
def test_github_emails(name: str) -> None:
    _need(GITHUB)
    got = visible_reply((GITHUB / name).read_text(encoding="utf-8"))
    assert _squash(got) == _squash(GITHUB_EXPECTED[name])


def test_github_bottom_and_inline_posts_keep_both_parts() -> None:
    _need(GITHUB)
    got = visible_reply((GITHUB / "email_1_2.txt").read_text(encoding="utf-8"))
    assert got.startswith("Hi,")
    assert "You can list the keys" in got and "delete them all individually" in got
    assert "riak-users mailing list" not in got and "> -Abhishek" not in got
    bullets = visible_reply((GITHUB / "email_bullets.txt").read_text(encoding="utf-8"))
    assert bullets.endswith("- and another") and "Joe Smith" not in bullets
