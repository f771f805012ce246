"""CSV and XLSX exports of the pipeline: content, filters, conflicts and formula injection."""

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.audit import AuditEvent
from portal.auth.roles import Role
from portal.extensions import db
from portal.ideas.models import IdeaSource
from portal.pipeline.exports import COLUMNS, safe_cell
from tests.portal.pipeline_data import PipelineData

NASTY = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@x", "\tTabbed", "\rCR"]


@pytest.fixture
def data(app, connection, clock):
    return PipelineData(app, clock)


@pytest.fixture
def pipeline(data):
    data.add(
        "Sepsis prompts, for nurses",
        rank=1,
        score=3.84,
        raw=3.5,
        interval=(3.2, 4.4),
        prob=0.45,
        workstreams=("medicines_safety",),
        in_stage_days=12,
        disagreement=True,
    )
    data.add(
        "Café handover notes",
        rank=2,
        score=None,
        sufficient=False,
        n_reviews=1,
        source=IdeaSource.HORIZON_SCAN,
        nearest=[("SP-TEST-0001", 0.95)],
    )
    for n, title in enumerate(NASTY, start=3):
        data.add(title, rank=n)


def read_csv(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\x01=1", "'=1"),  # a control character cannot hide a formula
        ("plain = text", "plain = text"),
        (-2, -2),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_export(lead_client, pipeline, clock, query):
    response = lead_client.get("/pipeline/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="pipeline-2026-03-02.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == list(COLUMNS)
    first, second = rows[1], rows[2]
    assert first[:7] == [
        "1",
        "SP-TEST-0001",
        "Sepsis prompts, for nurses",
        "Medicines Safety",
        "In review",
        "Submitted",
        "3",
    ]
    assert first[7:12] == ["3.5", "3.84", "3.2", "4.4", "0.45"]
    assert first[12:14] == ["Yes", "No"] and first[15] == "12"
    assert second[1:3] == ["SP-TEST-0002", "Café handover notes"]
    assert second[5] == "Horizon scan" and second[8] == "" and second[13] == "SP-TEST-0001"
    titles = [row[2] for row in rows[3:]]
    assert titles == ["'" + title for title in NASTY]
    events = query(
        lambda: db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "pipeline.exported")
        ).all()
    )
    assert len(events) == 1
    assert events[0].details["format"] == "csv" and events[0].details["rows"] == len(rows) - 1


def test_xlsx_export(lead_client, pipeline):
    response = lead_client.get("/pipeline/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [c.value for c in rows[0]] == list(COLUMNS)
    first = rows[1]
    assert first[0].value == 1 and first[0].data_type == "n"
    assert first[8].value == pytest.approx(3.84) and first[8].data_type == "n"
    assert first[11].value == pytest.approx(0.45)
    assert rows[2][8].value is None  # no calibrated score: an empty cell
    for row, title in zip(rows[3:], NASTY, strict=True):
        cell = row[2]
        # XML reads a carriage return back as a line feed
        assert cell.data_type == "s" and cell.value == "'" + title.replace("\r", "\n")
        assert not str(cell.value).startswith(("=", "+", "-", "@"))


def test_exports_follow_the_filters_and_sort(lead_client, pipeline):
    rows = read_csv(lead_client.get("/pipeline/export.csv?source=horizon_scan"))
    assert [r[1] for r in rows[1:]] == ["SP-TEST-0002"]
    rows = read_csv(lead_client.get("/pipeline/export.csv?sort=rank&dir=desc"))
    assert rows[1][1] == "SP-TEST-0008" and rows[-1][1] == "SP-TEST-0001"


def test_exports_leave_out_conflicted_ideas(client_for, data, create_organisation):
    trust = create_organisation("Eastmoor Hospitals NHS Trust")
    data.add("Visible", rank=1)
    data.add("Same trust as the lead", rank=2, organisation=trust)
    lead = client_for(Role.PROGRAMME_LEAD, organisation=trust)
    rows = read_csv(lead.get("/pipeline/export.csv"))
    assert [r[1] for r in rows[1:]] == ["SP-TEST-0001"]
    sheet = load_workbook(io.BytesIO(lead.get("/pipeline/export.xlsx").get_data())).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["SP-TEST-0001"]


@pytest.mark.parametrize("role", [Role.INNOVATOR, Role.PANEL_MEMBER, Role.ADMIN])
def test_only_leads_may_export(client_for, role):
    client = client_for(role)
    assert client.get("/pipeline/export.csv").status_code == 403
    assert client.get("/pipeline/export.xlsx").status_code == 403


def test_unknown_export_type_is_404(lead_client):
    assert lead_client.get("/pipeline/export.pdf").status_code == 404
