"""Signing in and out in a real browser, and what the sign-in must refuse."""

from __future__ import annotations

import requests
from ui_support import assert_accessible


def test_sign_in_and_out(context, site):
    page = context.new_page()
    page.goto("/")
    assert "/signin" in page.url  # a browser lands on the sign-in page
    assert_accessible(page)
    site.sign_in(page, *site.admin)
    assert page.get_by_text("Alex Admin").first.is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    page.goto("/account")
    assert "/signin" in page.url


def test_wrong_password_is_refused_with_a_message(context, site):
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("Email").fill(site.specialist[0])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#signin-error").inner_text() == "The email or the password is wrong."


def test_state_change_without_csrf_token_is_403(context, site):
    page = context.new_page()
    site.sign_in(page, *site.admin)
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    r = requests.post(site.base_url + "/signout", cookies=cookies, allow_redirects=False)
    assert r.status_code == 403
    # ... and the session still works: nothing was done.
    page.goto("/account")
    assert "/account" in page.url


def test_open_redirect_after_sign_in_is_refused(context, site):
    page = context.new_page()
    site.sign_in(page, *site.admin, next_path="//evil.example/x")
    assert page.url.startswith(site.base_url)


def test_stolen_cookie_is_useless_after_sign_out(context, site):
    page = context.new_page()
    site.sign_in(page, *site.admin)
    stolen = {c["name"]: c["value"] for c in context.cookies()}
    assert requests.get(site.base_url + "/account", cookies=stolen, allow_redirects=False).status_code == 200
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    r = requests.get(site.base_url + "/account", cookies=stolen, allow_redirects=False)
    assert r.status_code == 302 and "/signin" in r.headers["Location"]


def test_session_fixation_a_planted_cookie_is_replaced(context, site):
    # A cookie an attacker set before the sign-in is not the session afterwards.
    context.add_cookies([{"name": "relay_session", "value": "attacker.chosen", "url": site.base_url}])
    page = context.new_page()
    site.sign_in(page, *site.admin)
    after = {c["name"]: c["value"] for c in context.cookies()}
    assert after["relay_session"] != "attacker.chosen"
