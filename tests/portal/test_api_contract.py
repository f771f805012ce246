"""The API against its own contract: schemathesis reads the live /api/v1/openapi.json from the
app and generates calls to every operation, with a lead's token and an innovator's. No answer
is a 5xx, every answer conforms to the contract, and a custom check shows an innovator's token
never returns another person's idea. Examples per operation are bounded (`EXAMPLES`).

One check is left out: "schema-valid data is accepted" (positive_data_acceptance). The
pipeline's filters take workstream, care-setting, group and round keys that leads add while
the portal runs, so the contract gives their shape (a pattern), not a list; a key of the right
shape that names nothing is refused with 422 by design, which that check would call a fault.
"""

import functools
from datetime import timedelta

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import ScannedItem
from portal.ideas.lifecycle import IdeaState
from portal.pipeline.models import Decision
from tests.portal.pipeline_data import PipelineData

EXAMPLES = 12
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same calls every run
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def references_in(body) -> set[str]:
    """Every idea reference an answer holds, at any depth."""
    if isinstance(body, dict):
        found = {body["reference"]} if isinstance(body.get("reference"), str) else set()
        return found.union(*(references_in(v) for v in body.values()))
    if isinstance(body, list):
        return set().union(*(references_in(v) for v in body))
    return set()


def only_own_ideas(own: set[str]):
    # passed to the innovator's calls only: `@schemathesis.check` would register it for all
    def innovators_read_only_their_own_ideas(ctx, response, case):
        if response.status_code == 200:
            others = references_in(response.json()) - own
            assert not others, f"an innovator's token returned others' ideas: {sorted(others)}"

    return innovators_read_only_their_own_ideas


def test_every_operation_keeps_its_contract(app, connection, clock, token_for, create_idea):
    app.config["API_RATE_LIMIT"] = 1_000_000  # thousands of calls in one minute of the fake clock
    try:
        _run(app, clock, token_for, create_idea)
    finally:
        app.config["API_RATE_LIMIT"] = 120


def _run(app, clock, token_for, create_idea):
    innovator, innovator_headers = token_for()
    _, lead_headers = token_for(Role.PROGRAMME_LEAD)
    own = {
        create_idea(owner=innovator).reference,
        create_idea(owner=innovator, submit=False).reference,
    }
    others = create_idea()
    data = PipelineData(app, clock)
    for rank in range(1, 4):
        data.add(f"Scored idea {rank}", rank=rank, score=3.0 + rank / 10, interval=(2.5, 4.0))
    with app.app_context():
        db.session.add(
            Decision(
                idea_id=others.id,
                from_state=IdeaState.SUBMITTED,
                to_state=IdeaState.IN_TRIAGE,
                rationale="Fits the medicines workstream.",
                decided_at=clock() - timedelta(days=1),
            )
        )
        db.session.add(
            ScannedItem(
                title="Safer insulin prescribing",
                summary="An audit of insulin errors.",
                link="https://example.org/insulin",
                published_at=clock() - timedelta(days=2),
                first_seen_at=clock() - timedelta(days=1),
                relevance=0.7,
                topic_relevance={"medicines_safety": 0.8},
            )
        )
        db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    reached = set()
    innovator_checks = [only_own_ideas(own)]
    for operation in operations:
        fuzz(operation, lead_headers, [], functools.partial(reached.add, operation.label))()
        fuzz(operation, innovator_headers, innovator_checks, lambda: None)()
        if "{reference}" in operation.path:  # generated references name no idea: real ones too
            for reference in (*own, others.reference):
                case = operation.Case(path_parameters={"reference": reference})
                for headers, checks in ((lead_headers, []), (innovator_headers, innovator_checks)):
                    if call(case, headers, checks).status_code == 200 and headers is lead_headers:
                        reached.add(operation.label)
    # every operation answered a lead with data, not only refusals
    assert reached == {op.label for op in operations}


def fuzz(operation, headers, checks, on_data):
    """A Hypothesis test calling `operation` with generated parameters and `headers`."""

    @SETTINGS
    @given(case=operation.as_strategy())
    def run(case):
        if call(case, headers, checks).status_code == 200:
            on_data()

    return run


def call(case, headers, checks):
    """Call `case` with `headers`; check its answer against the contract and `checks`."""
    # the WSGI transport does not undo compression, as an HTTP client would
    response = case.call_and_validate(
        headers=headers | {"Accept-Encoding": "identity"},
        additional_checks=checks,
        excluded_checks=[positive_data_acceptance],
    )
    assert response.status_code < 500
    return response
