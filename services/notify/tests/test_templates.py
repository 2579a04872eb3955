"""The notification template engine: shipped templates, validation, rendering, sanitising."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from relay_notify.domain import templates
from relay_notify.domain.templates import (
    DEFAULT_COLOUR,
    KEYS,
    LANGUAGES,
    REPLYABLE,
    SUBJECT_MAX,
    VARIABLES,
    Design,
    TemplateError,
    TemplateSet,
    format_datetime,
    render,
    reply_separator,
    sample_context,
    shipped,
    shipped_design,
    text_to_html,
    validate,
    validate_design,
)

CYRILLIC = re.compile("[\u0400-\u04ff]")
SHIPPED = Path(templates.__file__).parent / "shipped_templates"


def _render(ts: TemplateSet, language: str = "en", **groups: dict) -> templates.Rendered:
    context = sample_context(language)
    for group, values in groups.items():
        context[group].update(values)
    return render(ts, shipped_design(language), context)


def _body_of(html: str) -> str:
    """The rendered document's body, without the fixed shell (whose <title> repeats the subject)."""
    return html.split("<body", 1)[1]


# --- shipped templates ------------------------------------------------------------------


def test_keys_and_languages():
    assert LANGUAGES == ("en", "ru")
    assert len(KEYS) == 16 and len(set(KEYS)) == 16
    assert "customer.status_changed" in KEYS and "employee.status_changed" in KEYS
    assert "employee.delivery_failed" not in REPLYABLE and "employee.webhook_disabled" not in REPLYABLE
    assert "customer.public_comment" in REPLYABLE and "employee.mention" in REPLYABLE


def test_the_shipped_files_are_exactly_the_templates():
    expected = {"language.json", "sample.json", "design.html", "design.txt"}
    for key in KEYS:
        audience, event = key.split(".")
        expected |= {f"{audience}/{event}.subject", f"{audience}/{event}.txt"}
        if shipped(key, "en").html is not None:
            expected.add(f"{audience}/{event}.html")
    for language in LANGUAGES:
        found = {p.relative_to(SHIPPED / language).as_posix() for p in (SHIPPED / language).rglob("*") if p.is_file()}
        assert found == expected, language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", KEYS)
def test_every_shipped_template_validates_and_renders(key, language):
    ts = shipped(key, language)
    design = shipped_design(language)
    validate(ts, design=design)
    for context in (sample_context(language), sample_context(language, key)):
        out = render(ts, design, context)
        assert out.subject and "\n" not in out.subject and len(out.subject) <= SUBJECT_MAX
        assert "1042" in out.text
        assert "1042" in _body_of(out.html)
        assert out.html.startswith("<!DOCTYPE html>")
        assert "{{" not in out.text and "{%" not in out.text and "{{" not in out.html
        assert context["desk"]["name"] in out.text
    separator = reply_separator(language)
    previewed = render(ts, design, sample_context(language, key))
    if key in REPLYABLE:
        assert previewed.text.startswith(separator + "\n")
        body = _body_of(previewed.html)
        first_text = re.sub(r"<[^>]*>", "", body.split(">", 1)[1]).strip()
        assert first_text.startswith(separator)
    else:
        assert separator not in previewed.text and separator not in previewed.html


@pytest.mark.parametrize("key", KEYS)
def test_russian_renders_russian_and_english_english(key):
    ru = render(shipped(key, "ru"), shipped_design("ru"), sample_context("ru", key))
    assert CYRILLIC.search(ru.subject) and CYRILLIC.search(ru.text) and CYRILLIC.search(_body_of(ru.html))
    en = render(shipped(key, "en"), shipped_design("en"), sample_context("en", key))
    assert not CYRILLIC.search(en.subject + en.text + en.html)


def test_russian_strings():
    assert CYRILLIC.search(reply_separator("ru")) and reply_separator("ru").startswith("##-")
    assert reply_separator("en") == "##- Please type your reply above this line -##"
    assert CYRILLIC.search(shipped_design("ru").html) and not CYRILLIC.search(shipped_design("en").html)


def test_unknown_language_falls_back_to_english_and_regional_codes_are_understood():
    for key in KEYS:
        assert shipped(key, "de") == shipped(key, "en")
        assert shipped(key, "ru-RU") == shipped(key, "ru") == shipped(key, "RU")
    assert shipped_design("fr") == shipped_design("en")
    assert sample_context("xx") == sample_context("en")
    assert format_datetime(datetime(2026, 12, 5, 14, 30, tzinfo=UTC), "de", "UTC") == "December 5, 2026, 2:30 PM"
    with pytest.raises(KeyError):
        shipped("customer.nope", "en")
    with pytest.raises(KeyError):
        shipped("status_changed", "en")  # a key names its audience


def test_variables_describe_exactly_the_sample_context():
    for language in LANGUAGES:
        for key in (None, *KEYS):
            context = sample_context(language, key)
            names = {
                f"{group}.{attr}" for group, values in context.items() if isinstance(values, dict) for attr in values
            }
            names |= {name for name, value in context.items() if not isinstance(value, dict)}
            assert names == set(VARIABLES) - {"content", "subject"}, (language, key)
    assert all(isinstance(d, str) and d for d in VARIABLES.values())


def test_sample_context_is_a_fresh_copy():
    first = sample_context("en")
    first["ticket"]["number"] = 1
    assert sample_context("en")["ticket"]["number"] == 1042


def test_previews_fit_the_notification():
    assert sample_context("en", "employee.assigned")["recipient"]["kind"] == "employee"
    assert sample_context("en", "customer.registered")["recipient"]["kind"] == "contact"
    out = _render_key("employee.assigned")
    assert "assigned to you" in out.text
    out = _render_key("employee.customer_comment")
    assert "John Smith wrote" in out.text
    out = _render_key("employee.employee_comment")
    assert "(internal note)" in out.text and "(internal note)" in out.html


def _render_key(key: str, language: str = "en") -> templates.Rendered:
    return render(shipped(key, language), shipped_design(language), sample_context(language, key))


# --- validation errors ------------------------------------------------------------------


def test_syntax_error_names_the_part_and_line():
    ts = TemplateSet(subject="Hi", text="Hello,\n\nyour request {{ ticket.number }\nis registered.")
    with pytest.raises(TemplateError) as caught:
        validate(ts)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.part, error.line) == ("text", 3)
    assert str(error).startswith("text, line 3: ")
    assert error.reason


def test_unclosed_block_and_html_part_syntax_errors():
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="Hi", text="ok", html="<p>\n{% if ticket.number %}\n</p>"))
    assert caught.value.part == "html" and caught.value.line is not None
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="[#{{ ticket.number ]", text="ok"))
    assert (caught.value.part, caught.value.line) == ("subject", 1)


def test_unknown_variable():
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="Hi", text="Hello,\n{{ tickt.number }}"))
    assert (caught.value.part, caught.value.line) == ("text", 2)
    assert "tickt" in caught.value.reason


def test_unknown_attribute_of_a_known_object():
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="Hi", text="Hello,\n\n{{ ticket.numbr }}"))
    assert str(caught.value) == "text, line 3: 'ticket' has no attribute 'numbr'"
    assert (caught.value.part, caught.value.line, caught.value.reason) == (
        "text",
        3,
        "'ticket' has no attribute 'numbr'",
    )


def test_unknown_attribute_inside_a_condition_and_in_html():
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="Hi", text="ok", html="<p>\n{% if desk.colour_hex %}x{% endif %}</p>"))
    assert (caught.value.part, caught.value.line) == ("html", 2)
    assert "'desk' has no attribute 'colour_hex'" in caught.value.reason


def test_variables_are_not_dicts():
    """`ticket.items` is not dict.items: a misspelling is caught, not printed as a method."""
    for name in ("items", "get", "keys", "values", "copy"):
        with pytest.raises(TemplateError, match=f"'ticket' has no attribute '{name}'"):
            validate(TemplateSet(subject="Hi", text=f"{{{{ ticket.{name} }}}}"))


@pytest.mark.parametrize(
    "expression",
    [
        "ticket.__class__",
        "ticket._values",
        "ticket._name",
        "''.__class__.__mro__",
        "ticket.number.__class__.__subclasses__()",
        "cycler.__init__.__globals__",
        "lipsum.__globals__",
        "ticket.subject.format.__self__",
    ],
)
def test_private_attributes_are_refused_by_the_sandbox(expression):
    ts = TemplateSet(subject="Hi", text=f"Hello\n{{{{ {expression} }}}}")
    with pytest.raises(TemplateError) as caught:
        validate(ts)
    assert caught.value.part == "text" and caught.value.line == 2
    with pytest.raises(TemplateError):
        render(ts, shipped_design("en"), sample_context("en"))


def test_content_is_not_a_body_variable():
    with pytest.raises(TemplateError, match="unknown variable 'content'"):
        validate(TemplateSet(subject="Hi", text="{{ content }}"))


def test_subject_too_long_or_not_one_line_or_empty():
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="{{ ticket.subject * 10 }}", text="ok"))
    assert caught.value.part == "subject" and str(SUBJECT_MAX) in caught.value.reason
    validate(TemplateSet(subject="x" * SUBJECT_MAX, text="ok"))
    with pytest.raises(TemplateError, match="subject"):
        validate(TemplateSet(subject="x" * (SUBJECT_MAX + 1), text="ok"))
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="Request\n{{ ticket.number }}", text="ok"))
    assert caught.value.part == "subject" and "one line" in caught.value.reason
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="{{ desk.logo_url }}", text="ok"))  # empty with the samples
    assert caught.value.part == "subject"
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="  ", text="ok"))
    assert caught.value.part == "subject"
    with pytest.raises(TemplateError) as caught:
        validate(TemplateSet(subject="Hi", text="\n"))
    assert caught.value.part == "text"


def test_every_language_is_checked():
    """A branch only the Russian sample takes is validated too."""
    ts = TemplateSet(
        subject="Hi", text="{% if ticket.contact == 'John Smith' %}ok{% else %}{{ ticket.oops }}{% endif %}"
    )
    with pytest.raises(TemplateError, match="oops"):
        validate(ts)


def test_blank_html_means_the_text_converted():
    validate(TemplateSet(subject="Hi", text="Hello {{ ticket.number }}", html="  \n"))
    out = _render(TemplateSet(subject="Hi", text="Hello {{ ticket.number }}", html=""))
    assert "Hello 1042" in out.html


def test_design_needs_the_content_slot():
    good = shipped_design("en")
    validate(shipped("customer.registered", "en"), design=good)
    with pytest.raises(TemplateError) as caught:
        validate_design(Design(html="<div>{{ desk.name }}</div>", text=good.text))
    assert caught.value.part == "design_html" and "content" in caught.value.reason
    with pytest.raises(TemplateError) as caught:
        validate(shipped("customer.registered", "en"), design=Design(html=good.html, text="{{ desk.name }}"))
    assert caught.value.part == "design_text"
    # a slot the sanitiser removes (inside a script) or that never renders is no slot
    with pytest.raises(TemplateError, match="content slot"):
        validate_design(Design(html="<script>{{ content }}</script>", text=good.text))
    with pytest.raises(TemplateError, match="content slot"):
        validate_design(Design(html="{% if false %}{{ content }}{% endif %}", text=good.text))


def test_design_errors_name_the_design_part():
    good = shipped_design("en")
    with pytest.raises(TemplateError) as caught:
        validate_design(Design(html="<div>\n\n{{ content }\n</div>", text=good.text))
    assert (caught.value.part, caught.value.line) == ("design_html", 3)
    with pytest.raises(TemplateError) as caught:
        validate_design(Design(html=good.html, text="{{ content }}\n{{ desk.nmae }}"))
    assert str(caught.value) == "design_text, line 2: 'desk' has no attribute 'nmae'"


def test_huge_repetition_is_refused():
    with pytest.raises(TemplateError, match="at most"):
        validate(TemplateSet(subject="Hi", text="{{ 'x' * 100000000 }}"))
    with pytest.raises(TemplateError, match="exponent"):
        validate(TemplateSet(subject="Hi", text="{{ 10 ** 10000000 }}"))
    validate(TemplateSet(subject="Hi", text="{{ '-' * 40 }} {{ 2 ** 10 }}"))


# --- rendering --------------------------------------------------------------------------


def test_html_injection_in_a_value_is_escaped_in_html_and_untouched_in_text():
    evil = "<script>alert(1)</script>"
    for key in ("customer.registered", "customer.resolved", "employee.customer_comment"):
        context = sample_context("en", key)
        context["ticket"]["subject"] = evil
        out = render(shipped(key, "en"), shipped_design("en"), context)
        assert evil in out.text
        assert evil in out.subject
        assert "<script" not in out.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _body_of(out.html)


def test_attribute_injection_in_a_value_is_escaped():
    out = _render(shipped("customer.resolved", "en"), links={"reopen": 'https://x.example/" onclick="alert(1)'})
    assert "onclick" not in out.html.replace("&quot; onclick=&quot;", "")
    assert 'onclick="' not in out.html


def test_comment_html_is_sanitised():
    dirty = (
        '<p>Hi</p><img src=x onerror="alert(1)"><a href="javascript:alert(2)">click</a>'
        '<script>alert(3)</script><iframe src="https://evil.example"></iframe><b onmouseover="x()">bold</b>'
    )
    out = _render(shipped("customer.public_comment", "en"), comment={"html": dirty})
    lowered = out.html.lower()
    for bad in ("onerror", "javascript:", "<script", "alert(3)", "<iframe", "onmouseover", "evil.example"):
        assert bad not in lowered, bad
    assert "<p>Hi</p>" in out.html and "<b>bold</b>" in out.html


def test_a_template_cannot_smuggle_script_either():
    html = (
        '<p onclick="steal()">{{ ticket.subject }}</p><script>steal()</script>'
        '<a href="javascript:steal()">a</a><a href="{{ ticket.url }}" target="_blank">b</a>'
        '<div style="color:red;background-image:url(https://track.example/p.gif);position:fixed;'
        'width:expression(alert(1))">c</div><img src="data:text/html;base64,PHNjcmlwdD4=">'
        '<a href="data:text/html,<script>x</script>">d</a><form action="https://x.example"><input></form>'
        '<table role="presentation" bgcolor="#ffffff" width="100%">'
        '<tr><td bgcolor="red;x" width="50%">e</td></tr></table>'
    )
    out = _render(TemplateSet(subject="Hi", text="Hi", html=html))
    body = _body_of(out.html)
    for bad in (
        "onclick",
        "steal",
        "javascript",
        "track.example",
        "position",
        "expression",
        "data:",
        "<form",
        "<input",
    ):
        assert bad not in body, bad
    assert "color:red" in body
    assert '<a href="https://desk.example.com/tickets/1042" target="_blank" rel="noopener noreferrer">b</a>' in body
    assert 'role="presentation"' in body and 'bgcolor="#ffffff"' in body and 'width="100%"' in body
    assert 'bgcolor="red;x"' not in body and 'width="50%"' in body


def test_links_get_rel_noopener_noreferrer():
    out = _render_key("customer.resolved")
    links = re.findall(r"<a [^>]*>", _body_of(out.html))
    assert links and all('rel="noopener noreferrer"' in a for a in links)


def test_brand_colour_only_when_it_is_rrggbb():
    ts = shipped("customer.resolved", "en")
    assert "#12ab34" in _render(ts, desk={"colour": "#12AB34"}).html
    for bad in ("red;background:url(https://evil.example/x)", "#12345", "#1234567", "", None, 123, "12ab34"):
        out = _render(ts, desk={"colour": bad})
        assert DEFAULT_COLOUR in out.html
        assert "evil" not in out.html and "#12345;" not in out.html and "#1234567" not in out.html


def test_logo():
    ts = shipped("customer.registered", "en")
    out = _render(ts, desk={"logo_url": "https://desk.example.com/logo.png"})
    assert '<img src="https://desk.example.com/logo.png" alt="Northwind IT Service Desk"' in out.html
    png = "data:image/png;base64,iVBORw0KGgo="
    assert f'src="{png}"' in _render(ts, desk={"logo_url": png}).html
    for bad in ("javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml;base64,PHN2Zz4="):
        out = _render(ts, desk={"logo_url": bad})
        assert "javascript" not in out.html and "data:" not in out.html
    assert "Northwind IT Service Desk</span>" in _render(ts, desk={"logo_url": ""}).html


def test_empty_one_click_links_are_omitted():
    ts = shipped("customer.resolved", "en")
    out = _render(ts, links={"rate_good": "", "rate_bad": "", "reopen": ""})
    assert "Yes, thank you" not in out.text and "Did we solve" not in out.text
    assert "Yes, thank you" not in out.html and "reopen the request" not in out.html
    assert "simply reply to this email" in out.text and "simply reply to this email" in out.html
    out = _render(ts, links={"rate_good": "https://g.example/1", "rate_bad": "", "reopen": ""})
    assert "Yes, thank you: https://g.example/1" in out.text and "No, not really" not in out.text
    assert 'href="https://g.example/1"' in out.html and "No, not really" not in out.html
    ru = _render(shipped("customer.resolved", "ru"), "ru", links={"rate_good": "", "rate_bad": "", "reopen": ""})
    assert "https://desk.example.com/portal/act" not in ru.text


def test_missing_values_never_break_a_validated_template():
    """The caller should give every variable; what it leaves out (or gives as None) is empty."""
    minimal = {"ticket": {"number": 7, "subject": "Printer", "company": None}, "desk": {"name": "Desk"}}
    for language in LANGUAGES:
        design = shipped_design(language)
        for key in KEYS:
            out = render(shipped(key, language), design, minimal)
            assert out.subject and "None" not in out.text and "None" not in out.subject
    assert "#7" in render(shipped("customer.registered", "en"), shipped_design("en"), minimal).text
    render(shipped("customer.registered", "en"), shipped_design("en"), {})


def test_a_runtime_failure_is_a_template_error():
    ts = TemplateSet(subject="Hi", text="Used:\n{{ 100 // sla.percent }}%")
    validate(ts)
    with pytest.raises(TemplateError) as caught:
        _render(ts, sla={"percent": 0})
    assert (caught.value.part, caught.value.line) == ("text", 2)
    with pytest.raises(TemplateError) as caught:
        render(TemplateSet(subject="Hi", text="{{ ticket.nope }}"), shipped_design("en"), sample_context("en"))
    assert caught.value.part == "text"
    with pytest.raises(TemplateError) as caught:
        render(shipped("customer.closed", "en"), Design(html="{{ content }}", text="{{ content }\n"), {})
    assert caught.value.part == "design_text"


def test_subject_is_one_line():
    ts = TemplateSet(subject="[#{{ ticket.number }}]   {{ ticket.subject }}", text="x")
    out = _render(ts, ticket={"subject": "Printer\r\nBcc: all@example.com\n\tbroken\x00"})
    assert out.subject == "[#1042] Printer Bcc: all@example.com broken"
    long = _render(ts, ticket={"subject": "word " * 200})
    assert len(long.subject) == SUBJECT_MAX and long.subject.endswith("…")


def test_text_is_the_frame_around_the_body():
    out = _render(TemplateSet(subject="Hi", text="Body line {{ ticket.number }}\n\n\n\n\nSecond"))
    assert out.text.startswith(reply_separator("en") + "\n\nBody line 1042\n\nSecond\n")
    assert "\n-- \nNorthwind IT Service Desk\n" in out.text
    assert out.text.endswith("\n") and "\n\n\n" not in out.text
    silent = sample_context("en", "employee.webhook_disabled")
    assert render(TemplateSet(subject="Hi", text="Body"), shipped_design("en"), silent).text.startswith("Body\n")


def test_html_is_the_frame_around_the_body_in_a_document():
    out = _render(TemplateSet(subject="A & <b>", text="x", html="<p class='x'>Custom {{ ticket.number }}</p>"))
    assert "<title>A &amp; &lt;b&gt;</title>" in out.html
    body = _body_of(out.html)
    assert "<p>Custom 1042</p>" in body
    assert body.index(reply_separator("en")) < body.index("Custom 1042") < body.index("Notification settings")
    assert out.html.count("<html>") == 1 and out.html.rstrip().endswith("</html>")


def test_text_body_converted_to_html():
    text = 'Hello <Anna> & co,\n\nsee https://desk.example.com/t/1?a=1&b=2.\nThanks\n\n\nBye "now"'
    html = text_to_html(text)
    assert html == (
        '<p style="margin:0 0 16px">Hello &lt;Anna&gt; &amp; co,</p>\n'
        '<p style="margin:0 0 16px">see <a href="https://desk.example.com/t/1?a=1&amp;b=2">'
        "https://desk.example.com/t/1?a=1&amp;b=2</a>.<br>\nThanks</p>\n"
        '<p style="margin:0 0 16px">Bye &#34;now&#34;</p>'
    )
    assert text_to_html("  \n ") == ""
    out = _render(
        TemplateSet(subject="Hi", text="Hi {{ ticket.subject }}\n{{ ticket.url }}"), ticket={"subject": "<i>"}
    )
    assert "Hi &lt;i&gt;<br>" in out.html and '<a href="https://desk.example.com/tickets/1042"' in out.html


def test_text_comment_becomes_comment_html():
    out = _render(
        shipped("customer.public_comment", "en"),
        comment={"html": "", "text": "Line one <b>\nhttps://docs.example.com/fix"},
    )
    assert "Line one &lt;b&gt;<br>" in out.html
    assert '<a href="https://docs.example.com/fix" rel="noopener noreferrer">' in out.html


# --- dates ------------------------------------------------------------------------------


def test_format_datetime_english_and_russian():
    moment = datetime(2026, 12, 5, 11, 30, tzinfo=UTC)
    assert format_datetime(moment, "en", "Europe/Moscow") == "December 5, 2026, 2:30 PM"
    assert format_datetime(moment, "ru", "Europe/Moscow") == "5 декабря 2026, 14:30"
    assert format_datetime(None, "ru", "Europe/Moscow") == ""
    assert format_datetime(datetime(2026, 1, 1, 0, 5, tzinfo=UTC), "en", "UTC") == "January 1, 2026, 12:05 AM"
    assert format_datetime(datetime(2026, 1, 1, 12, 5, tzinfo=UTC), "en", "UTC") == "January 1, 2026, 12:05 PM"
    naive = datetime(2026, 5, 9, 7, 0)
    assert format_datetime(naive, "ru", "UTC") == "9 мая 2026, 07:00"
    assert format_datetime(naive, "ru", "No/Such_Zone") == "9 мая 2026, 07:00"
    assert format_datetime(naive, "en", "") == "May 9, 2026, 7:00 AM"


def test_format_datetime_across_daylight_saving_changes():
    berlin = "Europe/Berlin"
    # spring forward, 29 March 2026: 02:00 CET becomes 03:00 CEST
    assert format_datetime(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "en", berlin) == "March 29, 2026, 1:30 AM"
    assert format_datetime(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "en", berlin) == "March 29, 2026, 3:30 AM"
    assert format_datetime(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "ru", berlin) == "29 марта 2026, 01:30"
    assert format_datetime(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "ru", berlin) == "29 марта 2026, 03:30"
    # fall back, 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice
    assert format_datetime(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "ru", berlin) == "25 октября 2026, 02:30"
    assert format_datetime(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "ru", berlin) == "25 октября 2026, 02:30"
    assert format_datetime(datetime(2026, 10, 25, 2, 30, tzinfo=UTC), "en", berlin) == "October 25, 2026, 3:30 AM"


# --- the cache and the sanitiser ---------------------------------------------------------


def test_rendering_2000_times_compiles_each_template_once(monkeypatch):
    compilations: list[str] = []
    for env in (templates._TEXT_ENV, templates._HTML_ENV):
        original = env.compile

        def counting(source, *args, _original=original, **kwargs):
            compilations.append(source)
            return _original(source, *args, **kwargs)

        monkeypatch.setattr(env, "compile", counting)
    templates._compile.cache_clear()
    ts = shipped("customer.resolved", "en")
    design = shipped_design("en")
    context = sample_context("en", "customer.resolved")
    for n in range(2000):
        context["ticket"]["number"] = n
        # the service layer reads templates afresh: equal text, new string objects
        fresh = TemplateSet(subject="".join(ts.subject), text=ts.text[:], html=(ts.html or "") + "")
        out = render(fresh, design, context)
    assert str(1999) in out.text
    assert len(compilations) == 5  # subject, text, html, design text, design html
    info = templates.cache_info()
    assert info.misses == 5 and info.hits == 2000 * 5 - 5


def test_the_cache_keeps_text_and_html_apart():
    templates._compile.cache_clear()
    source = "{{ ticket.subject }}"
    out = _render(TemplateSet(subject="Hi", text=source, html=source), ticket={"subject": "<b>"})
    assert "<b>" in out.text and "&lt;b&gt;" in out.html
    assert templates.cache_info().misses == 5  # the two "{{ ticket.subject }}" are compiled twice, once each way


def test_one_sanitiser_call_per_rendered_html(monkeypatch):
    calls: list[int] = []
    real = templates._CLEANER

    class Counting:
        def clean(self, html):
            calls.append(len(html))
            return real.clean(html)

    monkeypatch.setattr(templates, "_CLEANER", Counting())
    _render_key("customer.public_comment")
    assert len(calls) == 1
