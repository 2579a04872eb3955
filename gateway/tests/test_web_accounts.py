"""The web UI's accounts and sessions against a real directory copy: passwords, lockout,
set-password links, and sessions that end for good."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from relay_gateway import directory
from relay_gateway.ui.accounts import WRONG, SignInRefused
from relaykit.errors import InvalidInput


@pytest.fixture
def ui(gateway):
    return gateway.app.extensions["relay.ui"]


def _email(gateway, employee_id: str) -> str:
    with gateway.db.sessions() as s:
        return directory.employee(s, employee_id).email


def test_sign_in_by_email_any_case_and_wrong_password(ui, people, gateway):
    emp = people.employee()
    ui.accounts.set_password(emp, "correct horse battery")
    email = _email(gateway, emp)
    assert ui.accounts.sign_in(email.upper(), "correct horse battery").id == emp
    with pytest.raises(SignInRefused, match=WRONG):
        ui.accounts.sign_in(email, "wrong password!")
    with pytest.raises(SignInRefused, match=WRONG):  # an unknown email: the same words
        ui.accounts.sign_in("nobody@nowhere.example", "whatever1234")


def test_short_password_refused_naming_the_field(ui, people):
    with pytest.raises(InvalidInput) as e:
        ui.accounts.set_password(people.employee(), "short")
    assert "password" in e.value.errors


def test_lockout_after_five_failures_holds_even_for_the_right_password(ui, people, gateway):
    emp = people.employee()
    ui.accounts.set_password(emp, "correct horse battery")
    email = _email(gateway, emp)
    for _ in range(4):
        with pytest.raises(SignInRefused) as e:
            ui.accounts.sign_in(email, "nope nope nope")
        assert not e.value.locked
    with pytest.raises(SignInRefused) as e:
        ui.accounts.sign_in(email, "nope nope nope")
    assert e.value.locked and "locked" in str(e.value)
    with pytest.raises(SignInRefused) as e:
        ui.accounts.sign_in(email, "correct horse battery")
    assert e.value.locked
    # ... until the lock's time has passed.
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert ui.accounts.sign_in(email, "correct horse battery", now=later).id == emp


def test_set_password_link_works_once_and_expires(ui, people):
    emp = people.employee()
    token = ui.accounts.link_token(emp)
    assert ui.accounts.check_link(token) == emp
    ui.accounts.redeem_link(token, "a brand new password")
    with pytest.raises(InvalidInput):  # used: the password it replaced has changed
        ui.accounts.redeem_link(token, "another new password")
    expired = ui.accounts.link_token(emp, now=time.time() - 25 * 3600)
    with pytest.raises(InvalidInput, match="expired"):
        ui.accounts.check_link(expired)
    forged = token.rsplit(".", 1)[0] + ".0000"
    with pytest.raises(InvalidInput):
        ui.accounts.check_link(forged)


def test_sessions_end_on_sign_out_on_password_change_and_on_deactivation(ui, people):
    emp = people.employee()
    cookie, _ = ui.sessions.create(emp, "127.0.0.1", "test")
    other, _ = ui.sessions.create(emp, "127.0.0.1", "test")
    assert ui.sessions.load(cookie).employee.id == emp
    assert ui.sessions.load(cookie.split(".")[0] + ".forged") is None
    ui.sessions.end(ui.sessions.load(cookie).id_hash)
    assert ui.sessions.load(cookie) is None
    third, _ = ui.sessions.create(emp, "127.0.0.1", "test")
    assert ui.sessions.end_all(emp, keep=ui.sessions.load(third).id_hash) == 1
    assert ui.sessions.load(other) is None and ui.sessions.load(third) is not None
    people.switch("employee", emp, "deactivate")
    assert ui.sessions.load(third) is None
