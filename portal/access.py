"""Who may see each page: one decorator family, and a deny-by-default check on every request.

Every view declares its rule with `@public`, `@signed_in` or `@roles(...)`. A request to an
endpoint whose view declares nothing is refused, and `tests/portal/test_access_rules.py`
walks `app.url_map` to prove every endpoint declares one. Object-level checks (may this user
see *this* idea?) live in the views and services of each domain.

API routes (`token(scope, *roles)`) are read with a personal access token instead of a session:
the token must work, carry the scope, and its owner hold one of the roles; the view then asks
the one policy about that owner, as a page does about the person signed in.

A session whose password was right but whose second factor is still to come signs nobody in:
it reaches only the pages declared `@second_factor_step` (entering a code, setting up an app),
and is sent there from any signed-in page. A signed-in user whose roles came to need a second
factor they have not set up is sent back to that step before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized

from portal.auth import access_tokens, mfa, sessions

if TYPE_CHECKING:  # importing it for real would be circular (auth's views use this module)
    from portal.auth.roles import Role


@dataclass(frozen=True)
class AccessRule:
    signed_in: bool
    roles: frozenset[Role] = frozenset()
    second_factor_step: bool = False  # only a session waiting for its second factor
    scope: str | None = None  # an API route: a personal access token with this scope

    def describe(self) -> str:
        if self.scope:
            roles = ", ".join(sorted(r.value for r in self.roles)) or "anyone"
            return f"token with {self.scope}; roles: {roles}"
        if self.second_factor_step:
            return "second factor pending"
        if not self.signed_in:
            return "public"
        if not self.roles:
            return "signed in"
        return "roles: " + ", ".join(sorted(r.value for r in self.roles))


def _declare(rule: AccessRule):
    def decorator(view):
        view.access_rule = rule
        return view

    return decorator


public = _declare(AccessRule(signed_in=False))
signed_in = _declare(AccessRule(signed_in=True))
second_factor_step = _declare(AccessRule(signed_in=False, second_factor_step=True))


def roles(*allowed: Role):
    """Allow signed-in users holding any of `allowed`."""
    if not allowed:
        raise ValueError("roles() needs at least one role")
    return _declare(AccessRule(signed_in=True, roles=frozenset(allowed)))


def token(scope, *allowed: Role):
    """Allow an API call with a personal access token holding `scope`, whose owner holds any
    of `allowed` (anyone, when none is given)."""
    return _declare(AccessRule(signed_in=False, roles=frozenset(allowed), scope=str(scope)))


def api_user():
    """The owner of the token this API call came with."""
    return g.api_call.user


def rule_for(endpoint: str | None) -> AccessRule | None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "access_rule", None)


def enforce_access_rule():
    """`before_request` hook: apply the endpoint's declared rule, or refuse."""
    if request.endpoint is None:  # 404 / 405: let Flask answer
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule", request.endpoint)
        abort(403)
    if rule.scope is not None:
        return _admit_token(rule)
    if rule.second_factor_step:
        return None if sessions.pending_session() else _away_from_second_factor_step()
    if not rule.signed_in:
        return None
    if (
        current_user.is_authenticated
        and mfa.must_set_up(current_user)
        and not sessions.second_factor_by_provider()
    ):
        sessions.hold_for_second_factor(sessions.current_session_record())
        return redirect(url_for("auth.set_up_at_sign_in", **_next()))
    if not current_user.is_authenticated:
        if sessions.pending_session():
            if request.method in ("GET", "HEAD"):
                return redirect(url_for("auth.security_code", **_next()))
            abort(401)
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("auth.sign_in", **_next()))
        abort(401)
    if rule.roles and not (rule.roles & current_user.role_set):
        abort(403)
    return None


def _admit_token(rule: AccessRule) -> None:
    """Let an API call through with its token, or refuse it (401, 403 or 429)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    try:
        call = access_tokens.admit(
            secret if scheme.lower() == "bearer" else None,
            request.remote_addr or "",
            request.method,
            request.full_path.rstrip("?"),
        )
    except access_tokens.Refused as refused:
        if refused.status == 429:
            raise TooManyRequests(refused.detail, retry_after=refused.retry_after) from None
        raise Unauthorized(refused.detail) from None
    g.api_call = call
    if rule.scope not in call.token.scope_set:
        raise Forbidden(f"This token may not do this: it needs the scope {rule.scope}")
    if rule.roles and not (rule.roles & call.user.role_set):
        needed = " or ".join(sorted(r.label.lower() + "s" for r in rule.roles))
        raise Forbidden(f"Only {needed} may read this")


def _next() -> dict:
    """Where to come back to after signing in: this page, if it was a GET."""
    if request.method in ("GET", "HEAD"):
        return {"next": request.full_path.rstrip("?")}
    return {}


def _away_from_second_factor_step():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("auth.sign_in"))
    abort(401)
