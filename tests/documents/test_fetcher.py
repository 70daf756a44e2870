"""The renderer reaches nothing but the project's static files: no network, no server files, no data:."""

import pytest
from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from core.documents import render_html
from core.documents.fetcher import RefusedURL, StaticOnlyURLFetcher, static_file_uri
from tests.documents.helpers import pdftotext, squash, write


def hostile_html(recorder) -> str:
    return f"""<html><head>
      <link rel="stylesheet" href="{recorder.url('/style.css')}">
      <style>@import url("{recorder.url('/import.css')}");
             body {{ background: url("{recorder.url('/bg.png')}"); }}
             @font-face {{ font-family: X; src: url("{recorder.url('/font.ttf')}"); }}</style>
    </head><body>
      <p>Nội dung vẫn được in.</p>
      <img src="{recorder.url('/x.png')}">
      <img src="https://127.0.0.1:{recorder.port}/secure.png">
      <img src="file:///etc/passwd">
      <object data="file:///etc/hostname"></object>
      <img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnLz4=">
    </body></html>"""


def test_hostile_resources_never_reach_the_network_and_the_pdf_still_renders(recorder, tmp_path):
    rendered = render_html(hostile_html(recorder))

    assert recorder.settled_connections() == []
    refused = " ".join(rendered.refused_urls)
    for fragment in ("/style.css", "/import.css", "/bg.png", "/font.ttf", "/x.png", "/secure.png",
                     "file:///etc/passwd", "data:image/svg+xml"):
        assert fragment in refused
    assert rendered.data.startswith(b"%PDF")
    assert "Nội dung vẫn được in." in squash(pdftotext(write(tmp_path, rendered.data)))


def test_the_recorder_does_see_a_renderer_that_fetches(recorder):
    """Control: WeasyPrint's own fetcher does reach the loopback server, so the test above can fail."""
    HTML(string=f'<img src="{recorder.url()}">', url_fetcher=URLFetcher(timeout=2)).write_pdf()
    assert len(recorder.settled_connections()) >= 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.invalid/x.png",
        "ftp://127.0.0.1/x",
        "file:///etc/passwd",
        "file://otherhost/static/fonts/Tinos-Regular.ttf",
        "data:text/plain,hello",
    ],
)
def test_fetcher_refuses_anything_but_static_files(url):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]
    assert fetcher.served == []


def test_fetcher_refuses_a_path_that_climbs_out_of_static():
    static_dir = settings.STATICFILES_DIRS[0]
    escape = f"file://{static_dir}/fonts/../../config/settings/base.py"
    with pytest.raises(RefusedURL):
        StaticOnlyURLFetcher().fetch(escape)


def test_fetcher_serves_the_project_fonts():
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(static_file_uri("fonts/Tinos-Regular.ttf"))
    try:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    finally:
        response.close()
    assert fetcher.refused == []
