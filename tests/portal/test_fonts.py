"""NHSUK_FONTS: the NHS fonts from their host in production, or no @font-face at all."""

import re

import pytest

from portal import frontend
from portal.settings import ConfigurationError, fill_defaults, from_environment
from tests.portal.security_checks import directives
from tests.portal.test_config import defaults

STYLESHEET = re.compile(r'<link rel="stylesheet" href="(/nhsuk/[^"]+)">')


def stylesheet_of(client) -> str:
    return STYLESHEET.search(client.get("/").get_data(as_text=True)).group(1)


def test_system_fonts_ask_no_other_host(client):
    page = client.get("/")
    assert directives(page)["font-src"] == "'self'"
    path = stylesheet_of(client)
    assert path == "/nhsuk/nhsuk-frontend-system-fonts.min.css"
    response = client.get(path)
    css = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "@font-face" not in css and "assets.nhs.uk" not in css and "sourceMappingURL" not in css
    assert ".nhsuk-header" in css and "font-family:Frutiger W01,arial,sans-serif" in css
    assert response.cache_control.public and response.cache_control.max_age == 3600
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_nhs_fonts_load_from_their_host(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "NHSUK_FONTS", "nhs")
    assert directives(client.get("/"))["font-src"] == "'self' https://assets.nhs.uk"
    path = stylesheet_of(client)
    assert path == "/nhsuk/nhsuk-frontend.min.css"
    response = client.get(path)
    assert "@font-face" in response.get_data(as_text=True)
    response.close()


@pytest.mark.parametrize(
    "css, hosts",
    [
        ("@font-face{src:url(https://assets.nhs.uk/fonts/a.woff2)}", ("https://assets.nhs.uk",)),
        ("@font-face{src:url('/fonts/a.woff2')} .x{background:url(https://e.test/i.png)}", ()),
        (None, ()),
    ],
)
def test_font_src_names_the_hosts_the_stylesheet_loads_fonts_from(tmp_path, css, hosts):
    if css is not None:
        (tmp_path / "nhsuk-frontend.min.css").write_text(css)
    assert frontend.font_hosts(str(tmp_path), "nhs") == hosts
    assert frontend.font_hosts(str(tmp_path), "system") == ()


@pytest.mark.parametrize(("raw", "mode"), [("system", "system"), (" NHS ", "nhs")])
def test_the_font_mode_is_read_from_the_environment(tmp_path, raw, mode):
    config = defaults(ENV_NAME="development", **from_environment({"NHSUK_FONTS": raw}))
    fill_defaults(config, str(tmp_path))
    assert config["NHSUK_FONTS"] == mode


def test_production_defaults_to_the_nhs_fonts_and_refuses_an_unknown_mode(tmp_path):
    config = defaults(SECRET_KEY="s", PUBLIC_URL="https://pipeline.example.nhs.uk")
    fill_defaults(config, str(tmp_path))
    assert config["NHSUK_FONTS"] == "nhs"
    with pytest.raises(ConfigurationError, match="use nhs .* or system"):
        fill_defaults(defaults(ENV_NAME="development", NHSUK_FONTS="frutiger"), str(tmp_path))
