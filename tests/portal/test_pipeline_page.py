"""The pipeline page as a lead reads it: a small, aligned table, its markup and its help."""

import re

import pytest

from tests.portal.pipeline_data import ALL_COLUMNS, PipelineData, ranked_table

# A title as long as leads' real ones run (the demo's longest are about 100 characters).
TITLE = "Text message reminders to reduce unrecognised sepsis in the emergency department {}"
# Bytes of table markup a row may take: the old responsive table took about 2,000 (2.5 KB a
# row of the whole page, 123 KiB for 50 rows).
MAX_ROW_BYTES = {"": 450, ALL_COLUMNS: 650}


@pytest.fixture
def add_ideas(app, connection, clock):
    """add_ideas(n): n ideas with every column filled, as on the demo's scale data."""
    data = PipelineData(app, clock)

    def add(total):
        for n in range(1, total + 1):
            data.add(
                TITLE.format(n),
                rank=n,
                score=4.0 - n / 100,
                interval=(3.1, 4.6),
                prob=0.5,
                split=n % 3 == 0,
                workstreams=("medicines_safety", "managing_deterioration"),
                in_stage_days=n,
                nearest=[(f"SP-TEST-{m % total + 1:04d}", 0.9) for m in (n, n + 1)],
            )

    return add


def test_a_row_of_the_table_takes_few_bytes(lead_client, add_ideas):
    add_ideas(50)
    for columns, most in MAX_ROW_BYTES.items():
        html = lead_client.get(f"/pipeline{columns}").get_data(as_text=True)
        body = html[html.index("<tbody") : html.index("</tbody>")]
        assert body.count("<tr>") == len(ranked_table(html)) == 50
        assert len(body.encode()) / 50 < most, columns
        assert len(html.encode()) < 64 * 1024  # the whole page, filters and help included


def test_the_table_is_a_proper_table_with_its_help_before_it(lead_client, add_ideas):
    add_ideas(3)
    html = lead_client.get("/pipeline?sort=days").get_data(as_text=True)
    table = html[html.index('<table class="app-ranked"') : html.index("</table>")]
    assert re.search(r"<caption[^>]*>\s*3 ideas\s*</caption>", table)
    headers = re.findall(r'<th scope="col"[^>]*>', table)
    assert len(headers) == 8
    sorted_by = [h for h in headers if "aria-sort" in h]
    assert sorted_by == ['<th scope="col" class="app-num" aria-sort="descending">']
    # each row is named by its idea: title and reference in one row header
    assert table.count('<th scope="row">') == 3
    # and its link brings the lead back to this view of the pipeline
    assert '<th scope="row"><a href="/ideas/SP-TEST-0003?back=/pipeline?sort%3Ddays">' in table
    # numbers are right-aligned (score, interval, chance, then days), text is not
    first = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S).group(1)
    numeric = ' class="app-num"'
    assert re.findall(r"<td( class=\"app-num\")?>", first) == [numeric] * 4 + ["", "", numeric]

    help_ = html[html.index('id="scores-explained"') : html.index('<table class="app-ranked"')]
    assert "What do the scores mean?" in help_
    terms = re.findall(r"<dt>(.*?)</dt>", help_)
    assert terms[:4] == ["Calibrated score", "Raw score", "90% interval", "Chance of top 10"]
