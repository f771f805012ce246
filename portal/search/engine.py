"""The engine-neutral search API: `search(text, viewer=..., filters=..., page=...)`.

On PostgreSQL the database's own full-text search answers (`postgres`, chosen by
`backend.search_backend`). Elsewhere Whoosh answers when its index can be read; otherwise
(missing, corrupt, or failing) a plain database LIKE search answers instead, and says so. The
index side of a query (matching, the permission filter, facet counts, the page, the
suggestion) is `searching.IndexView`, kept open per process while the index directory is
unchanged; bench/search.py times that code. Either way every hit is checked against the
database before it is shown, so a withdrawn or deleted idea, or a dismissed item, never
appears, even before the worker has updated the index.
"""

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, url_for
from markupsafe import Markup, escape
from whoosh import query as wq

from portal.auth.roles import Role
from portal.extensions import db
from portal.horizon.models import ScannedItem
from portal.ideas.models import Idea
from portal.search import postgres
from portal.search.backend import search_backend
from portal.search.index import IDEA_TEXT, current_dir, open_index_at
from portal.search.labels import for_staff, stage_label, vocabulary
from portal.search.models import SearchQueueEntry
from portal.search.query import free_words, parse, prepare, respell
from portal.search.scope import Scope, scope_for
from portal.search.searching import (
    FACETS,
    MARK_CLOSE,
    MARK_OPEN,
    PAGE_SIZE,
    ViewCache,
    snippet,
)


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
    searched: str = ""  # the query in the backends' terms (`query.Prepared.searched`)
    notices: tuple[str, ...] = ()  # what reading the query changed, for the page to say


def search(query_text, *, viewer, filters=None, page=1) -> SearchResults:
    """Search what `viewer` may see; never raises on odd input."""
    # labels are looked up only for a query that names a field
    prepared = prepare(query_text, vocabulary() if ":" in (query_text or "") else None)
    filters = {k: str(v)[:100] for k, v in (filters or {}).items() if k in FACETS and v}
    page = max(1, min(int(page or 1), 1000))

    def fresh():
        return SearchResults(
            query=prepared.text,
            filters=filters,
            page=page,
            searched=prepared.searched,
            notices=prepared.notices,
        )

    results = fresh()
    if not prepared.text and not filters:
        return results
    scope = scope_for(viewer)
    if search_backend() == "postgresql":
        try:
            with db.session.begin_nested():  # a failed query must not spoil the transaction
                _from_postgresql(results, scope, viewer)
            return results
        except Exception:
            current_app.logger.exception("PostgreSQL search failed: answering plainly")
            results = fresh()
        _from_database(results, scope, viewer)
        return results
    path = current_dir()
    if path is not None:
        # One searcher per process, reused while the index is unchanged (opening one costs
        # more than a query); the lock keeps two threads off its files and caches at once.
        with _VIEWS.lock:
            try:
                view = _VIEWS.get(path, open_index_at)
                if view is not None:
                    _from_index(view, results, scope, viewer)
                    return results
            except Exception:
                current_app.logger.exception("search index failed: answering from the database")
                _VIEWS.forget()
                results = fresh()
    _from_database(results, scope, viewer)
    return results


_VIEWS = ViewCache()


# The index


def _render(marked: str) -> Markup:
    # The text is escaped first (our marks are control characters, which escaping keeps);
    # only the marks then become tags.
    marked = str(escape(marked))
    return Markup(marked.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


def index_filter(scope: Scope, filters: dict[str, str]):
    """The index filter for this viewer and these facet filters (an unusable year is ignored)."""
    conditions = [scope.allow()]
    for name, value in filters.items():
        if name == "year":
            if not value.isdigit():
                continue
            conditions.append(wq.Term("year", int(value)))
        else:
            conditions.append(wq.Term(FACETS[name], value))
    return wq.And(conditions)


def _from_index(view, results: SearchResults, scope: Scope, viewer) -> None:
    q = parse(results.searched, view.schema) if results.query else wq.Every()
    allow = index_filter(scope, results.filters)
    deny = scope.deny(also=_gone_but_queued())
    found = view.run(q, allow, deny, results.page)
    results.total = found.total
    results.pages = math.ceil(found.total / PAGE_SIZE)
    results.page = found.page  # past the last page: the last page
    results.facets = found.facets
    keyed = [key.partition(":") for key in found.keys]
    rows = _current_rows([(kind, int(i)) for kind, _, i in keyed], scope)
    for kind, _, doc_id in keyed:
        row = rows.get((kind, int(doc_id)))
        if row is None:  # gone, withdrawn or no longer visible since it was indexed
            results.total -= 1
            continue
        title, body = _texts(kind, row)
        marked = snippet(body, found.marks, view.schema) or body[:240]
        results.hits.append(_hit(kind, row, title, _render(marked), viewer))
    if results.query and results.total < PAGE_SIZE:
        allowed = view.allowed(allow, deny)
        _suggest(results, view.suggest(free_words(results.searched), allowed))


def _suggest(results: SearchResults, respellings: dict[str, str]) -> None:
    """ "Did you mean": the query as typed, misspelt words changed (its fields and phrases
    still apply), unless nothing changed."""
    suggestion = respell(results.query, respellings) if respellings else None
    results.suggestion = suggestion if suggestion != results.query else None


def _from_postgresql(results: SearchResults, scope: Scope, viewer) -> None:
    found, words = postgres.run(results.searched, scope, results.filters, results.page)
    results.total, results.page, results.facets = found.total, found.page, found.facets
    results.pages = math.ceil(found.total / PAGE_SIZE)
    keyed = [(kind, int(i)) for kind, _, i in (key.partition(":") for key in found.keys)]
    rows = postgres.shown(keyed, scope, words)
    for kind, i in keyed:
        if (kind, i) in rows:
            row, marked = rows[kind, i]
            title, body = _texts(kind, row)
            results.hits.append(_hit(kind, row, title, _render(marked or body[:240]), viewer))
    if results.query and results.total < PAGE_SIZE:
        _suggest(results, postgres.suggest(results.searched, scope))


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
        query = sa.select(Idea).where(Idea.id.in_(ideas), scope.idea_clause())
        for idea in db.session.scalars(query.options(sa.orm.lazyload(Idea.workstreams))):
            rows[("idea", idea.id)] = idea
    if items:
        for item in db.session.scalars(sa.select(ScannedItem).where(ScannedItem.id.in_(items))):
            rows[("item", item.id)] = item
    return rows


def _texts(kind, row) -> tuple[str, str]:
    strip = str.maketrans("", "", MARK_OPEN + MARK_CLOSE)
    if kind == "idea":
        body = "\n".join(getattr(row, name) or "" for name in IDEA_TEXT)
        return row.display_title.translate(strip), body.translate(strip)
    return (row.title or "Untitled").translate(strip), (row.summary or "").translate(strip)


def _hit(kind, row, title, snippet, viewer) -> Hit:
    if kind == "idea":
        detail = f"Idea {row.reference} · {stage_label(row.state, for_staff(viewer))}"
        return Hit(
            "idea", row.id, title, snippet, url_for("ideas.show", reference=row.reference), detail
        )
    lead = viewer.has_role(Role.PROGRAMME_LEAD) or viewer.has_role(Role.ADMIN)
    url = url_for("horizon.item", item_id=row.id) if lead else row.link
    year = row.published_at.year if row.published_at else ""
    return Hit("item", row.id, title, snippet, url, f"Scanned literature · {year}")


# The database, when the index cannot answer


def _from_database(results: SearchResults, scope: Scope, viewer) -> None:
    results.from_database = True
    terms = free_words(results.searched)[:6]
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
