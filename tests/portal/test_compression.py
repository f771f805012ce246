"""Pages go out compressed when the browser accepts it; static files and downloads as they are."""

import gzip

import pytest
from backports import zstd


def test_pages_are_compressed_as_the_browser_accepts(lead_client):
    plain = lead_client.get("/pipeline", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]

    packed = lead_client.get("/pipeline", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(packed.data).decode()
    assert "<h1>Pipeline</h1>" in html and html.rstrip().endswith("</html>")
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3

    chromium = "gzip, deflate, br, zstd"  # what Chromium sends
    best = lead_client.get("/pipeline", headers={"Accept-Encoding": chromium})
    assert best.headers["Content-Encoding"] == "zstd"
    assert "<h1>Pipeline</h1>" in zstd.decompress(best.data).decode()


@pytest.mark.parametrize("accepted", ["gzip", "gzip, deflate, br, zstd"])
def test_static_files_are_sent_as_they_are(client, accepted):
    with client.get("/static/portal.css", headers={"Accept-Encoding": accepted}) as response:
        assert response.status_code == 200 and "Content-Encoding" not in response.headers
        assert b".app-ranked" in response.get_data()
