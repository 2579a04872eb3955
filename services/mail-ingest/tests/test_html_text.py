from relay_mail_ingest.domain.html_text import html_to_text


def test_paragraphs_and_breaks() -> None:
    assert html_to_text("<p>One</p><p>Two<br>three</p>") == "One\n\nTwo\nthree"


def test_list_items_get_dashes() -> None:
    assert html_to_text("<ul><li>a</li><li>b<li>c</ul>") == "- a\n- b\n- c"


def test_table_rows_become_lines() -> None:
    assert html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c<td>d</table>") == "a b\nc d"


def test_blockquote_lines_are_prefixed() -> None:
    text = html_to_text("<p>Reply</p><blockquote>one<br>two<blockquote>deep</blockquote></blockquote>")
    assert "> one\n> two" in text
    assert "> > deep" in text


def test_entities_decoded() -> None:
    assert html_to_text("<p>a &amp; b &lt;c&gt; &nbsp;&eacute;&#8212;</p>") == "a & b <c> é\u2014"


def test_script_style_head_title_dropped() -> None:
    html = "<html><head><title>T</title><style>p{}</style></head><body><script>x()</script>Body</body></html>"
    assert html_to_text(html) == "Body"


def test_link_with_different_text_keeps_url() -> None:
    assert html_to_text('<a href="https://x.org/a">the page</a>') == "the page (https://x.org/a)"


def test_link_equal_to_url_or_mailto_not_repeated() -> None:
    assert html_to_text('<a href="https://x.org">https://x.org</a>') == "https://x.org"
    assert html_to_text('<a href="mailto:a@b.c">write</a>') == "write"


def test_image_alt() -> None:
    assert html_to_text('<p>Logo: <img src="cid:1" alt="ACME"></p>') == "Logo: ACME"


def test_whitespace_collapsed_and_blank_lines_limited() -> None:
    assert html_to_text("<div>  a \n\t b  </div><br><br><br><br><div>c</div>") == "a b\n\nc"


def test_broken_html_never_raises() -> None:
    for html in ("<div><p>unclosed <b>bold", "</p></div>text</blockquote>", "<a href=", "<<<>>>", "", "<script>x"):
        assert isinstance(html_to_text(html), str)
    assert html_to_text("<div><p>unclosed <b>bold") == "unclosed bold"


def test_headings_are_lines() -> None:
    assert html_to_text("<h1>Title</h1>text<h2>Sub</h2>") == "Title\ntext\nSub"
