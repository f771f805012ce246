"""Who may see each page: one decorator family, and a deny-by-default check on every request.

Every view declares its rule with `@public`, `@signed_in` or `@roles(...)`. A request to an
endpoint whose view declares nothing is refused, and `tests/portal/test_access_rules.py`
walks `app.url_map` to prove every endpoint declares one. Object-level checks (may this user
see *this* idea?) live in the views and services of each domain.

A session whose password was right but whose second factor is still to come signs nobody in:
it reaches only the pages declared `@second_factor_step` (entering a code, setting up an app),
and is sent there from any signed-in page. A signed-in user whose roles came to need a second
factor they have not set up is sent back to that step before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from portal.auth import mfa, sessions

if TYPE_CHECKING:  # importing it for real would be circular (auth's views use this module)
    from portal.auth.roles import Role


@dataclass(frozen=True)
class AccessRule:
    signed_in: bool
    roles: frozenset[Role] = frozenset()
    second_factor_step: bool = False  # only a session waiting for its second factor

    def describe(self) -> str:
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
    if rule.second_factor_step:
        return None if sessions.pending_session() else _away_from_second_factor_step()
    if not rule.signed_in:
        return None
    if current_user.is_authenticated and mfa.must_set_up(current_user):
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
