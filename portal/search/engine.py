"""The engine-neutral search API: `search(text, viewer=..., filters=..., page=...)`.

Whoosh answers when its index can be read; otherwise (missing, corrupt, or failing) a plain
database LIKE search answers instead, and says so. Either way every hit is checked against
the database before it is shown, so a withdrawn or deleted idea, or a dismissed item, never
appears, even before the worker has updated the index.
"""

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, url_for
from markupsafe import Markup, escape
from whoosh import highlight, sorting
from whoosh import query as wq

from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import ScannedItem
from portal.ideas.models import Idea
from portal.search.index import IDEA_TEXT, open_index
from portal.search.models import SearchQueueEntry
from portal.search.query import clean, parse, words
from portal.search.scope import Scope, scope_for

PAGE_SIZE = 10
FACETS = {  # filter name in the URL -> index field
    "type": "type",
    "workstream": "workstream_key",
    "stage": "stage",
    "source": "source",
    "year": "year",
}
_OPEN, _CLOSE = "\x02", "\x03"


@dataclass
class Hit:
    type: str  # "idea" or "item"
    id: int
    title: str
    snippet: Markup
    url: str | None
    detail: str = ""


@dataclass
class SearchResults:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    filters: dict[str, str] = field(default_factory=dict)
    suggestion: str | None = None
    from_database: bool = False  # the index could not answer: a slower, plainer search


def search(query_text, *, viewer, filters=None, page=1) -> SearchResults:
    """Search what `viewer` may see; never raises on odd input."""
    text = clean(query_text)
    filters = {k: str(v)[:100] for k, v in (filters or {}).items() if k in FACETS and v}
    page = max(1, min(int(page or 1), 1000))
    results = SearchResults(query=text, filters=filters, page=page)
    if not text and not filters:
        return results
    scope = scope_for(viewer)
    ix = open_index()
    if ix is not None:
        try:
            with ix.searcher() as searcher:
                _from_index(searcher, results, scope, viewer)
            return results
        except Exception:
            current_app.logger.exception("search index failed: answering from the database")
        finally:
            ix.close()
    _from_database(results, scope, viewer)
    return results


# The index


class _Marks(highlight.Formatter):
    """Mark matches with control characters; `_render` escapes the text, then adds <mark>."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return _OPEN + highlight.get_text(text, token, replace) + _CLOSE


def _render(marked: str) -> Markup:
    # The text is escaped first (our marks are control characters, which escaping keeps);
    # only the marks then become tags.
    return Markup(str(escape(marked)).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


def _from_index(searcher, results: SearchResults, scope: Scope, viewer) -> None:
    q = parse(results.query, searcher.schema) if results.query else wq.Every()
    conditions = [scope.allow()]
    for name, value in results.filters.items():
        if name == "year":
            if not value.isdigit():
                continue
            conditions.append(wq.Term("year", int(value)))
        else:
            conditions.append(wq.Term(FACETS[name], value))
    groups = {
        name: sorting.FieldFacet(
            fieldname, allow_overlap=name == "workstream", maptype=sorting.Count
        )
        for name, fieldname in FACETS.items()
    }
    mask = scope.deny(also=_gone_but_queued())
    found = searcher.search_page(
        q,
        results.page,
        pagelen=PAGE_SIZE,
        filter=wq.And(conditions),
        mask=mask,
        groupedby=groups,
        terms=True,
    )
    results.total = found.total
    results.pages = math.ceil(found.total / PAGE_SIZE)
    results.page = max(1, found.pagenum)  # past the last page: the last page
    results.facets = {
        name: sorted(
            ((str(k), n) for k, n in found.results.groups(name).items() if k not in (None, "")),
            key=lambda kv: (-kv[1], kv[0]),
        )
        for name in FACETS
    }
    fragmenter = highlight.ContextFragmenter(maxchars=300, surround=60)
    found.results.fragmenter, found.results.formatter = fragmenter, _Marks()
    keyed = [(h["doc_id"].partition(":"), h) for h in found]
    rows = _current_rows([(kind, int(i)) for (kind, _, i), _h in keyed], scope)
    for (kind, _, doc_id), hit in keyed:
        row = rows.get((kind, int(doc_id)))
        if row is None:  # gone, withdrawn or no longer visible since it was indexed
            results.total -= 1
            continue
        title, body = _texts(kind, row)
        snippet = hit.highlights("body", text=body, top=2) or body[:240]
        results.hits.append(_hit(kind, row, title, _render(snippet), viewer))
    if results.query and results.total < PAGE_SIZE:
        results.suggestion = _suggest(searcher, results.query, conditions, mask)


def _gone_but_queued() -> list[str]:
    """Queued documents the database no longer holds, or no longer shows: masked at once."""
    pending = db.session.execute(
        sa.select(SearchQueueEntry.doc_type, SearchQueueEntry.doc_id).limit(2000)
    ).all()
    ideas = {i for kind, i in pending if kind == "idea"}
    items = {i for kind, i in pending if kind == "item"}
    alive = set()
    if ideas:
        alive |= {
            ("idea", i)
            for i in db.session.scalars(
                sa.select(Idea.id).where(Idea.id.in_(ideas), Idea.state != "withdrawn")
            )
        }
    if items:
        alive |= {
            ("item", i)
            for i in db.session.scalars(sa.select(ScannedItem.id).where(ScannedItem.id.in_(items)))
        }
    return [f"{k}:{i}" for k, i in pending if (k, i) not in alive and k in ("idea", "item")]


def _current_rows(keys, scope: Scope) -> dict:
    ideas = [i for kind, i in keys if kind == "idea"]
    items = [i for kind, i in keys if kind == "item"]
    rows = {}
    if ideas:
        for idea in db.session.scalars(sa.select(Idea).where(Idea.id.in_(ideas))):
            if scope.may_see(idea):
                rows[("idea", idea.id)] = idea
    if items:
        for item in db.session.scalars(sa.select(ScannedItem).where(ScannedItem.id.in_(items))):
            rows[("item", item.id)] = item
    return rows


def _texts(kind, row) -> tuple[str, str]:
    strip = str.maketrans("", "", _OPEN + _CLOSE)
    if kind == "idea":
        body = "\n".join(getattr(row, name) or "" for name in IDEA_TEXT)
        return row.display_title.translate(strip), body.translate(strip)
    return (row.title or "Untitled").translate(strip), (row.summary or "").translate(strip)


def _hit(kind, row, title, snippet, viewer) -> Hit:
    if kind == "idea":
        detail = f"Idea {row.reference} · {row.state.label}"
        return Hit(
            "idea", row.id, title, snippet, url_for("ideas.show", reference=row.reference), detail
        )
    lead = viewer.has_role(Role.PROGRAMME_LEAD) or viewer.has_role(Role.ADMIN)
    url = url_for("horizon.item", item_id=row.id) if lead else row.link
    year = row.published_at.year if row.published_at else ""
    return Hit("item", row.id, title, snippet, url, f"Scanned literature · {year}")


def _suggest(searcher, text: str, conditions, mask) -> str | None:
    """A respelling whose every changed word finds something this viewer may see."""
    reader = searcher.reader()
    changed, out = False, []
    for word in words(text):
        low = word.lower()
        if len(low) >= 4 and not low.isdigit() and ("vocab", low) not in reader:
            for option in searcher.suggest("vocab", low, limit=3, maxdist=2):
                seen = searcher.search(
                    wq.Term("vocab", option), filter=wq.And(conditions), mask=mask, limit=1
                )
                if option != low and not seen.is_empty():
                    out.append(option)
                    changed = True
                    break
            else:
                out.append(low)
            continue
        out.append(low)
    return " ".join(out) if changed else None


# The database, when the index cannot answer


def _from_database(results: SearchResults, scope: Scope, viewer) -> None:
    results.from_database = True
    terms = words(results.query)[:6]
    start = (results.page - 1) * PAGE_SIZE

    def like_all(columns):
        return sa.and_(
            *(
                sa.or_(*(c.ilike(f"%{t.replace('_', '/_')}%", escape="/") for c in columns))
                for t in terms
            )
        )

    hits = []
    want = results.filters.get("type")
    if want in (None, "idea"):
        clause = scope.idea_clause()
        if terms:
            clause = sa.and_(clause, like_all([Idea.title, Idea.summary, Idea.reference]))
        ideas = db.session.scalars(
            sa.select(Idea).where(clause).order_by(Idea.id.desc()).limit(200)
        )
        hits += [("idea", i) for i in ideas]
    if want in (None, "item") and terms:
        items = db.session.scalars(
            sa.select(ScannedItem)
            .where(like_all([ScannedItem.title, ScannedItem.summary]))
            .order_by(ScannedItem.published_at.desc())
            .limit(200)
        )
        hits += [("item", i) for i in items]
    results.total = len(hits)
    results.pages = math.ceil(len(hits) / PAGE_SIZE)
    for kind, row in hits[start : start + PAGE_SIZE]:
        title, body = _texts(kind, row)
        results.hits.append(_hit(kind, row, title, Markup(escape(body[:240])), viewer))
