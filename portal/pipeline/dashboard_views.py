"""The leads' dashboard: where ideas are, how many come and how long they wait, month by month,
and who submits and succeeds.

Every figure is a server-drawn SVG chart followed by a table of the same numbers.
"""

from flask import render_template
from flask_login import current_user

from portal.access import roles
from portal.auth.models import ORGANISATION_TYPE_LABELS
from portal.auth.roles import Role
from portal.clock import utcnow
from portal.ideas.lifecycle import IdeaState
from portal.pipeline import dashboard, trends
from portal.pipeline.blueprint import bp
from portal.pipeline.charts import Bar, bar_chart
from portal.pipeline.figures import Figure, decisions_figure, submissions_figure

S = IdeaState
# The stage breakdown of each workstream's bar, in four phases (the table has every stage).
PHASES = [
    ("New or being checked", (S.SUBMITTED, S.IN_TRIAGE, S.INFORMATION_REQUESTED)),
    ("In review", (S.IN_REVIEW,)),
    ("Shortlisted, being piloted or adopted", dashboard.SUCCESS),
    ("Not taken forward or withdrawn", (S.DECLINED, S.WITHDRAWN)),
]
NO_ORGANISATION = "No organisation (for example, found by horizon scanning)"


@bp.get("/pipeline/dashboard", endpoint="dashboard")
@roles(Role.PROGRAMME_LEAD)
def dashboard_page():
    """Counts by stage and workstream, monthly trends, waiting times, review turnaround and
    the equity lens."""
    now = utcnow()
    by_stage = dashboard.ideas_by_stage(current_user)
    figures = [
        _stages(by_stage),
        _workstreams(dashboard.ideas_by_workstream(current_user)),
        submissions_figure(trends.submissions_by_month(current_user, now)),
        _time_in_stage(dashboard.days_in_stage(current_user, now)),
        decisions_figure(trends.time_to_decision_by_month(current_user, now)),
        _turnaround(dashboard.review_turnaround()),
        _organisation_types(dashboard.outcomes_by_organisation_type(current_user)),
        _organisations(dashboard.top_organisations(current_user)),
        _inequalities(dashboard.outcomes_by_inequality(current_user)),
    ]
    return render_template(
        "pipeline/dashboard.html",
        title="Dashboard",
        figures=figures,
        total=sum(by_stage.values()),
        now=now,
    )


def _count(n: int) -> str:
    return f"{n:,}"


def _days(median) -> str:
    return f"{median.days:.1f} days"


def _rate(outcome) -> str:
    return "–" if outcome.rate is None else f"{100 * outcome.rate:.0f}%"


def _stages(by_stage) -> Figure:
    bars = [Bar(stage.staff_label, (n,), _count(n)) for stage, n in by_stage.items()]
    return Figure(
        "stages",
        "Ideas by stage",
        "Every submitted idea, by the stage it is at now.",
        bar_chart("chart-stages", "Ideas by stage", "Bar chart of ideas at each stage.", bars)
        if any(by_stage.values())
        else None,
        ["Stage", "Ideas"],
        [[stage.staff_label, _count(n)] for stage, n in by_stage.items()],
        "No ideas have been submitted yet.",
    )


def _workstreams(rows) -> Figure:
    bars = [
        Bar(
            label,
            tuple(sum(found[s] for s in states) for _, states in PHASES),
            _count(sum(found.values())),
        )
        for label, found in rows
    ]
    return Figure(
        "workstreams",
        "Ideas by workstream",
        "Each workstream's ideas by stage. An idea chosen for two workstreams counts in both.",
        bar_chart(
            "chart-workstreams",
            "Ideas by workstream and stage",
            "Stacked bar chart of each workstream's ideas, in four groups of stages. Totals:",
            bars,
            series=[name for name, _ in PHASES],
        )
        if any(sum(bar.values) for bar in bars)
        else None,
        ["Workstream", *(s.staff_label for s in dashboard.STAGES), "Total"],
        [
            [label, *(_count(found[s]) for s in dashboard.STAGES), _count(sum(found.values()))]
            for label, found in rows
        ],
        "No ideas have been submitted yet.",
    )


def _time_in_stage(found) -> Figure:
    return Figure(
        "time-in-stage",
        "Time in current stage",
        "For ideas at each open stage: the median number of days since they reached it.",
        bar_chart(
            "chart-time-in-stage",
            "Median days in current stage",
            "Bar chart of the median days ideas have spent at each open stage.",
            [Bar(stage.staff_label, (m.days,), _days(m)) for stage, m in found.items()],
        )
        if found
        else None,
        ["Stage", "Median days", "Ideas"],
        [[stage.staff_label, f"{m.days:.1f}", _count(m.count)] for stage, m in found.items()],
        "No ideas are at an open stage.",
    )


def _turnaround(rounds) -> Figure:
    return Figure(
        "turnaround",
        "Review turnaround",
        "For each review round: the median number of days from a panel member being given "
        "an idea to their submitted review.",
        bar_chart(
            "chart-turnaround",
            "Median review turnaround by round",
            "Bar chart of the median days from assignment to submitted review, per round.",
            [Bar(name, (m.days,), _days(m)) for name, m in rounds],
        )
        if rounds
        else None,
        ["Review round", "Median days", "Reviews submitted"],
        [[name, f"{m.days:.1f}", _count(m.count)] for name, m in rounds],
        "No reviews have been submitted yet.",
    )


def _outcome_bars(rows):
    return [
        Bar(label, (o.submitted,), f"{_count(o.submitted)} ({_rate(o)} succeeded)")
        for label, o in rows
    ]


def _outcome_rows(rows):
    return [[label, _count(o.submitted), _count(o.succeeded), _rate(o)] for label, o in rows]


OUTCOME_HEAD = ["Submitted", "Shortlisted, being piloted or adopted", "Success rate"]


def _organisation_types(found) -> Figure:
    rows = [(ORGANISATION_TYPE_LABELS[t] if t else NO_ORGANISATION, o) for t, o in found]
    return Figure(
        "organisation-types",
        "Who submits and who succeeds: by type of organisation",
        "Ideas submitted by people from each type of organisation, and the share now "
        "shortlisted, being piloted or adopted. Ideas still being checked or reviewed have not "
        "succeeded yet.",
        bar_chart(
            "chart-organisation-types",
            "Ideas submitted and success rate by type of organisation",
            "Bar chart of ideas submitted by each type of organisation, with the share that "
            "succeeded.",
            _outcome_bars(rows),
        )
        if rows
        else None,
        ["Type of organisation", *OUTCOME_HEAD],
        _outcome_rows(rows),
        "No ideas have been submitted yet.",
    )


def _organisations(found) -> Figure:
    rows = [(name, o) for name, _type, o in found]
    return Figure(
        "organisations",
        "Organisations submitting the most ideas",
        "The ten organisations whose people submitted the most ideas.",
        bar_chart(
            "chart-organisations",
            "Organisations submitting the most ideas",
            "Bar chart of ideas submitted by each of the ten most active organisations, with "
            "the share that succeeded.",
            _outcome_bars(rows),
        )
        if rows
        else None,
        ["Organisation", *OUTCOME_HEAD],
        _outcome_rows(rows),
        "No ideas have been submitted yet.",
    )


def _inequalities(found) -> Figure:
    rows = [
        (
            "None stated"
            if key == dashboard.NONE_STATED
            else dashboard.INEQUALITY_LABELS.get(key, key),
            o,
        )
        for key, o in found
    ]
    return Figure(
        "inequalities",
        "Who succeeds: by health inequality addressed",
        "Ideas by the Core20PLUS5 population groups and clinical areas they say they address. "
        "An idea naming several counts under each; 'None stated' is ideas that name none.",
        bar_chart(
            "chart-inequalities",
            "Ideas submitted and success rate by health inequality addressed",
            "Bar chart of ideas addressing each Core20PLUS5 group and clinical area, with the "
            "share that succeeded.",
            _outcome_bars(rows),
        )
        if any(o.submitted for _, o in rows)
        else None,
        ["Group or clinical area", *OUTCOME_HEAD],
        _outcome_rows(rows),
        "No ideas have been submitted yet.",
    )
