"""What the API answers, as marshmallow schemas: the contract is generated from these."""

import marshmallow as ma
from marshmallow import fields, validate

from portal.api.paging import PageArgs
from portal.ideas.lifecycle import IdeaState

Str, Int, Float, Bool = fields.String, fields.Integer, fields.Float, fields.Boolean


def _nullable(field, description):
    return field(allow_none=True, metadata={"description": description})


def _(field, description, **options):
    return field(metadata={"description": description}, **options)


KEY = validate.Regexp(r"^[a-z0-9_]{1,40}$", error="Not a key: lower-case letters, digits and _")
STAGES = [state.value for state in IdeaState if state is not IdeaState.DRAFT]


def _key(description):
    return Str(metadata={"description": description, "pattern": KEY.regex.pattern}, validate=KEY)


class CursorPage(ma.Schema):
    """A page of a list; each list's page adds its `items`."""

    next_cursor = _nullable(Str, "Send as `cursor` for the next page; null on the last")


class PipelineArgs(PageArgs):
    workstream = _key("A workstream's key (see /workstreams); an unknown key is 422")
    setting = _key("A care setting's key; an unknown key is 422")
    stage = _(Str, "A stage (an idea's `state`)", validate=validate.OneOf(STAGES))
    round = _(Int, "A review round's id; an unknown round is 422", validate=validate.Range(min=1))
    inequality = _(
        Str,
        '"group:<key>" or "area:<key>"; an unknown key is 422',
        validate=validate.Regexp(r"^(group|area):[a-z0-9_]{1,40}$"),
    )
    source = _(
        Str,
        "Submitted or found by horizon scanning",
        validate=validate.OneOf(["submission", "horizon_scan"]),
    )
    sort = _(
        Str,
        "The order: rank (the default), score, prob, days or submitted",
        load_default="rank",
        validate=validate.OneOf(["rank", "score", "prob", "days", "submitted"]),
    )
    dir = _(
        Str, "asc or desc (each sort has its own default)", validate=validate.OneOf(["asc", "desc"])
    )


class PipelineRow(ma.Schema):
    position = _(Int, "Rank among the ideas whose scores you may see")
    reference = _(Str, "The idea's reference number")
    title = _(Str, "Its title")
    state = _(Str, "Its stage, as a key")
    stage = _(Str, "Its stage, in words")
    source = _(Str, "submission or horizon_scan")
    workstreams = fields.List(Str(), metadata={"description": "The workstreams it feeds"})
    submitted_at = _nullable(fields.DateTime, "When it was submitted")
    days_in_stage = _nullable(Int, "Days since it entered its stage")
    n_reviews = _(Int, "Reviews counted in its scores")
    scored = _(Bool, "Whether it has enough reviews to be scored")
    raw_score = _nullable(Float, "The reviews' weighted mean, 1 to 5")
    calibrated_score = _nullable(Float, "The score with each reviewer's leniency taken out")
    interval_low = _nullable(Float, "The 90% interval's lower end")
    interval_high = _nullable(Float, "The 90% interval's upper end")
    prob_top_k = _nullable(Float, "The chance it is in the top group")
    top_k = _(Int, "How many ideas the top group holds")
    priority = _(Float, "The priority it is ranked by")
    disagreement = _(Bool, "Whether its reviewers disagree more than the panel usually does")
    duplicates = fields.List(Str(), metadata={"description": "Possible duplicates' references"})
    url = _(Str, "Its page in the portal")


class PipelinePage(CursorPage):
    items = fields.List(fields.Nested(PipelineRow))
    total = _(Int, "Ideas matching the filters")
    hidden = _(Int, "Open ideas left out because of your conflicts of interest")
    data_version = _(Str, "The version of the scores these rows come from")


class DecisionSchema(ma.Schema):
    id = _(Int, "The decision's number")
    reference = _(Str, "The idea's reference number")
    from_state = _nullable(Str, "The stage it moved from (leads only)")
    to_state = _(Str, "The stage it moved to")
    to_stage = _(Str, "The stage it moved to, in words")
    workstream = _nullable(Str, "The workstream it was sent to")
    rationale = _(Str, "The reason recorded")
    decided_at = _(fields.DateTime, "When it was made")
    reopened_at = _nullable(fields.DateTime, "When the decision was reopened, if it was")


class DecisionPage(CursorPage):
    items = fields.List(fields.Nested(DecisionSchema))


class WorkstreamSchema(ma.Schema):
    key = _(Str, "Its key, as the pipeline's `workstream` filter takes it")
    name = _(Str, "Its name")
    short_name = _nullable(Str, "A shorter name for tight spaces")
    description = _(Str, "What it covers")
    aim = _nullable(Str, "What it aims to achieve")
    capacity = _nullable(Int, "How many ideas it can take on at once")
    active = _(Bool, "Whether it takes new ideas")


class WorkstreamList(ma.Schema):
    items = fields.List(fields.Nested(WorkstreamSchema))


class IdeaSummary(ma.Schema):
    reference = _(Str, "Its reference number")
    title = _(Str, "Its title")
    state = _(Str, "Its stage, as a key")
    stage = _(Str, "Its stage, in words (as you would see it in the portal)")
    source = _(Str, "submission or horizon_scan")
    summary = _nullable(Str, "The innovator's summary")
    workstreams = fields.List(Str(), metadata={"description": "The workstreams it feeds"})
    submitted_at = _nullable(fields.DateTime, "When it was submitted")
    updated_at = _(fields.DateTime, "When it last changed")
    url = _(Str, "Its page in the portal")


class IdeaPage(CursorPage):
    items = fields.List(fields.Nested(IdeaSummary))


class IdeaDetail(IdeaSummary):
    decisions = fields.List(
        fields.Nested(DecisionSchema),
        metadata={"description": "Its decisions, newest first, where you may see them"},
    )


class ItemArgs(PageArgs):
    status = _(
        Str,
        "Only items with this triage status",
        validate=validate.OneOf(["new", "relevant", "not_relevant", "promoted", "evidence"]),
    )


class TopicRelevance(ma.Schema):
    workstream = _(Str, "The workstream's name")
    relevance = _(Float, "How relevant the item is to it, 0 to 1")


class ItemSchema(ma.Schema):
    id = _(Int, "The item's number")
    title = _(Str, "Its title")
    summary = _(Str, "Its abstract or summary, as the feed gave it")
    link = _nullable(Str, "Where it was published")
    doi = _nullable(Str, "Its DOI")
    authors = fields.List(Str(), metadata={"description": "Its authors"})
    published_at = _(fields.DateTime, "When it was published")
    first_seen_at = _(fields.DateTime, "When a scan first found it")
    status = _(Str, "Its triage status")
    relevance = _nullable(Float, "The screening model's chance it is relevant")
    topics = fields.List(
        fields.Nested(TopicRelevance), metadata={"description": "Relevance to each workstream"}
    )
    url = _(Str, "Its page in the portal")


class ItemPage(CursorPage):
    items = fields.List(fields.Nested(ItemSchema))


class DigestSection(ma.Schema):
    workstream = _(Str, "The workstream's name")
    items = fields.List(fields.Nested(ItemSchema), metadata={"description": "Its top items"})


class DigestSchema(ma.Schema):
    since = _(fields.DateTime, "The week's start")
    new_items = _(Int, "Items first seen this week")
    sections = fields.List(fields.Nested(DigestSection))
