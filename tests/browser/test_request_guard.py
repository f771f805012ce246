"""The browser tests' guard: any request for a host other than 127.0.0.1 is recorded (and the
test that made it fails), although Chromium's host-resolver rule stops it leaving the machine."""

import pytest

from tests.browser.conftest import off_machine

ELSEWHERE = "http://example.invalid/x.png"
NHS_FONTS = "https://assets.nhs.uk/fonts/"


def test_a_request_for_another_host_is_recorded_and_goes_nowhere(browser, live_server, live_app):
    context = browser.new_context(base_url=live_server)
    try:
        page = context.new_page()  # about:blank, which has no Content Security Policy
        with page.expect_event("requestfailed") as failed:
            page.set_content(f'<img src="{ELSEWHERE}" alt="">')
        assert failed.value.url == ELSEWHERE
        assert failed.value.failure == "net::ERR_NAME_NOT_RESOLVED"  # the resolver's refusal
        assert browser.off_machine == [ELSEWHERE]
        page.goto("/")
        assert browser.off_machine == [ELSEWHERE]  # the portal's pages ask only for 127.0.0.1

        # With the NHS fonts, the same page asks the NHS font host: what the tests would meet.
        live_app.config["NHSUK_FONTS"] = "nhs"
        with page.expect_event("requestfailed", lambda r: "assets.nhs.uk" in r.url):
            page.reload()
        assert any(url.startswith(NHS_FONTS) for url in browser.off_machine)
    finally:
        live_app.config["NHSUK_FONTS"] = "system"
        browser.off_machine.clear()  # recorded as they should be: not this test's failure
        context.close()


@pytest.mark.parametrize(
    ("url", "elsewhere"),
    [
        ("http://127.0.0.1:5000/assets/images/favicon.svg", False),
        ("data:image/png;base64,iVBORw0KGgo=", False),
        ("blob:http://127.0.0.1:5000/4b1c", False),
        ("https://assets.nhs.uk/fonts/FrutigerLTW01-55Roman.woff2", True),
        ("http://localhost:5000/", True),
        ("http://127.0.0.2/", True),
        ("http://127.0.0.1.example.org/", True),
    ],
)
def test_only_the_live_servers_host_is_on_the_machine(url, elsewhere):
    assert off_machine(url) is elsewhere
