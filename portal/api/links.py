"""Links to the portal's pages in the API's answers: public addresses (`PUBLIC_URL`), built
once per answer rather than once per row (a page holds up to a thousand)."""

from urllib.parse import quote

from portal.links import absolute_url

PATH_SAFE = "!$&'()*+,=:@"
MARKERS = {str: "MARKERXYZ", int: 987654321}


def link_maker(endpoint: str, argument: str, kind=str):
    """A function giving the public address of `endpoint` for one value of `argument`."""
    marker = MARKERS[kind]
    before, after = absolute_url(endpoint, **{argument: marker}).split(str(marker), 1)
    return lambda value: f"{before}{quote(str(value), safe=PATH_SAFE)}{after}"
