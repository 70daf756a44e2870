import unicodedata

from core.documents.sanitize import rich_text, sanitize_html, text_for_editing


def test_scripts_styles_images_frames_and_handlers_are_removed():
    dirty = (
        '<p onclick="steal()">Nội dung<script>alert(1)</script><style>@import url(http://x/)</style>'
        '<img src="http://127.0.0.1:9/x.png"><iframe src="http://x/"></iframe>'
        '<a href="javascript:alert(1)">a</a><a href="https://moet.gov.vn">b</a></p>'
    )
    clean = sanitize_html(dirty)
    for banned in ("script", "style", "img", "iframe", "onclick", "javascript:", "127.0.0.1"):
        assert banned not in clean
    assert "Nội dung" in clean
    assert 'href="https://moet.gov.vn"' in clean


def test_sanitising_twice_changes_nothing():
    once = sanitize_html("<p>a <b>b</b></p><ul><li>c</li></ul><table><tr><td colspan=2>d</td></tr></table>")
    assert sanitize_html(once) == once


def test_plain_text_becomes_escaped_paragraphs_and_round_trips_through_the_form():
    stored = rich_text("Dòng một & hai\n\n  - Gạch đầu dòng <3\n")
    assert stored == "<p>Dòng một &amp; hai</p><p>- Gạch đầu dòng &lt;3</p>"
    assert rich_text(text_for_editing(stored)) == stored


def test_inline_tags_keep_lines_as_paragraphs():
    assert rich_text("Đạt <b>70%</b>\nDòng hai") == "<p>Đạt <b>70%</b></p><p>Dòng hai</p>"


def test_text_is_stored_nfc():
    decomposed = unicodedata.normalize("NFD", "Hà Tĩnh")
    assert rich_text(decomposed) == "<p>Hà Tĩnh</p>"
