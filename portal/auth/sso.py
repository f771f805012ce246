"""Single sign-on with OpenID Connect (Authlib): staff sign in with their organisation's account.

Configured by OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (off while any is unset, so
`make run` needs nothing). The authorisation code flow with PKCE; Authlib keeps the state, the
nonce and the code verifier in the session and checks the state and nonce; the ID token's
signature (against the provider's published keys), issuer, audience and expiry are checked,
its times against the portal's clock (`portal.clock`), so tests never sleep.

Accounts are found by issuer and subject (`ExternalIdentity`), never by the email claim alone:
an existing account is linked only from its own signed-in account page, or where the claim
named by OIDC_EMAIL_VERIFIED_CLAIM says the provider verified the address; otherwise the first
sign-in makes an innovator account (roles are still granted by admins only). An organisation
is matched from the email's domain (OIDC_ORGANISATION_DOMAINS) only for the issuers or Entra
tenants listed in OIDC_ORGANISATION_ISSUERS. Where OIDC_TRUST_AMR is on, the provider's `amr`
claim naming a second factor stands in for the portal's own security codes.
"""

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc.errors import JoseError
from requests import RequestException

from portal import audit
from portal.auth import mfa, sessions
from portal.auth.models import ExternalIdentity, OrganisationType, User
from portal.auth.roles import Role
from portal.auth.services import (
    create_user,
    find_or_create_organisation,
    find_user_by_email,
    normalise_email,
)
from portal.clock import utcnow
from portal.extensions import db

NAME = "oidc"
SCOPES = "openid email profile"
# RFC 8176's methods that are a second factor, or more than a password
SECOND_FACTORS = {"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"}
END_SESSION = "sso_end_session"  # in the session: the provider's sign-out address, after ours
UNAVAILABLE = (
    "Your organisation's sign-in service did not answer. Try again in a few minutes, or sign "
    "in with your email address and password."
)
LEEWAY_SECONDS = 60  # clock skew allowed on the ID token's times


class SignOnError(Exception):
    """Why single sign-on could not sign someone in, in words for them."""


def enabled(app=None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def init_app(app) -> None:
    """Register the provider with Authlib, when one is configured."""
    if not enabled(app):
        return
    oauth = OAuth(app)
    issuer = app.config["OIDC_ISSUER"].rstrip("/")
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPES, "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions["sso"] = oauth


def client():
    return current_app.extensions["sso"].create_client(NAME)


def begin(redirect_uri: str):
    """The redirect to the provider's sign-in page (state, nonce and PKCE kept in the session);
    raise SignOnError if the provider does not answer."""
    try:
        return client().authorize_redirect(redirect_uri)
    except (RequestException, OAuthError, ValueError) as error:
        current_app.logger.warning("single sign-on: the provider did not answer: %r", error)
        raise SignOnError(UNAVAILABLE) from error


class ClockedIDToken(CodeIDToken):
    """An ID token whose times are checked against the portal's clock."""

    def validate(self, now=None, leeway=0):
        super().validate(now=int(utcnow().timestamp()), leeway=leeway)


@dataclass(frozen=True)
class Claims:
    """What the provider said about the person, once checked."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str
    second_factor: bool  # the provider asserted one (amr), and is trusted to (OIDC_TRUST_AMR)
    tenant: str | None
    id_token: str


def finish() -> Claims:
    """Exchange the code for tokens and check the ID token; raise SignOnError if anything is
    wrong (a replayed or unknown state, a wrong nonce, a bad signature, issuer, audience or
    expiry)."""
    config = current_app.config
    provider = client()
    # the configured issuer, not the one the discovery document names
    issuer = config["OIDC_ISSUER"].rstrip("/")
    try:
        token = provider.authorize_access_token(
            claims_cls=ClockedIDToken,
            claims_options={
                "iss": {"essential": True, "values": [issuer, issuer + "/"]},
                "aud": {"essential": True, "values": [config["OIDC_CLIENT_ID"]]},
            },
            leeway=LEEWAY_SECONDS,
        )
    except RequestException as error:
        current_app.logger.warning("single sign-on: the provider did not answer: %r", error)
        raise SignOnError(UNAVAILABLE) from error
    except (OAuthError, JoseError, ValueError, KeyError) as error:
        current_app.logger.warning("single sign-on refused: %r", error)
        raise SignOnError(
            "Signing in with your organisation's account did not work. Try again from the "
            "start; if it keeps happening, sign in with your password."
        ) from error
    userinfo = token.get("userinfo")
    if not userinfo:
        raise SignOnError("Your organisation's account sent no identity token. Try again.")
    verified_claim = config.get("OIDC_EMAIL_VERIFIED_CLAIM")
    amr = userinfo.get("amr") or []
    email = userinfo.get("email")
    return Claims(
        issuer=str(userinfo["iss"]),
        subject=str(userinfo["sub"]),
        email=normalise_email(email) if isinstance(email, str) and "@" in email else None,
        email_verified=bool(verified_claim) and userinfo.get(verified_claim) is True,
        name=_name(userinfo),
        second_factor=bool(config.get("OIDC_TRUST_AMR")) and bool(SECOND_FACTORS & set(amr)),
        tenant=userinfo.get("tid"),
        id_token=token.get("id_token", ""),
    )


def _name(userinfo) -> str:
    name = userinfo.get("name") or " ".join(
        part for part in (userinfo.get("given_name"), userinfo.get("family_name")) if part
    )
    if not name and isinstance(userinfo.get("email"), str):
        name = userinfo["email"].split("@")[0]
    return (str(name) or "New user").strip()[:200]


def identity_of(claims: Claims) -> ExternalIdentity | None:
    return db.session.scalar(
        sa.select(ExternalIdentity).where(
            ExternalIdentity.issuer == claims.issuer, ExternalIdentity.subject == claims.subject
        )
    )


def account_for(claims: Claims) -> tuple[User, bool]:
    """The user these claims sign in as, and whether the account is new; raise SignOnError
    where an existing account may not be taken over from the email claim."""
    identity = identity_of(claims)
    if identity is not None:
        identity.last_sign_in_at = utcnow()
        if claims.email:
            identity.email = claims.email
        return identity.user, False
    existing = find_user_by_email(claims.email) if claims.email else None
    if existing is not None:
        if not claims.email_verified:
            raise SignOnError(
                "There is already an account with this email address. Sign in with its "
                "password, then link your organisation's account from your account page."
            )
        _link(existing, claims, "user.sso_linked_by_verified_email")
        return existing, False
    if not claims.email:
        raise SignOnError(
            "Your organisation's account did not share an email address, which this service "
            "needs. Ask your IT team, or create an account with a password."
        )
    # a random password nobody knows: they sign in through their organisation (or set a
    # password of their own by the reset link)
    user = create_user(
        claims.email,
        claims.name,
        secrets.token_urlsafe(32),
        _organisation(claims),
        roles=[Role.INNOVATOR],
        check_password=False,
    )
    _link(user, claims, "user.registered_by_sso")
    return user, True


def link(user: User, claims: Claims) -> None:
    """Link the signed-in `user` to this provider account (from their own account page)."""
    found = identity_of(claims)
    if found is not None and found.user_id != user.id:
        raise SignOnError(
            "That account at your organisation already signs in to another account here."
        )
    if found is None:
        _link(user, claims, "user.sso_linked")


def unlink(user: User, identity: ExternalIdentity) -> None:
    audit.record(user, "user.sso_unlinked", user, issuer=identity.issuer)
    db.session.delete(identity)


def identities_of(user: User) -> list[ExternalIdentity]:
    return db.session.scalars(
        sa.select(ExternalIdentity)
        .where(ExternalIdentity.user_id == user.id)
        .order_by(ExternalIdentity.id)
    ).all()


def _link(user: User, claims: Claims, action: str) -> None:
    db.session.add(
        ExternalIdentity(
            user=user,
            issuer=claims.issuer,
            subject=claims.subject,
            email=claims.email,
            created_at=utcnow(),
            last_sign_in_at=utcnow(),
        )
    )
    audit.record(user, action, user, issuer=claims.issuer)


def _organisation(claims: Claims):
    """The organisation of the email's domain, for an allow-listed issuer or tenant only."""
    config = current_app.config
    trusted = set(config.get("OIDC_ORGANISATION_ISSUERS") or ())
    if not claims.email or not ({claims.issuer, claims.tenant} & trusted):
        return None
    name = (config.get("OIDC_ORGANISATION_DOMAINS") or {}).get(claims.email.rsplit("@", 1)[1])
    return find_or_create_organisation(name, OrganisationType.NHS_TRUST) if name else None


def start_session(user: User, claims: Claims, ip_address: str) -> bool:
    """Sign `user` in; return True when a security code must still follow (the portal's
    second factor, unless a trusted provider asserted one)."""
    if claims.second_factor or not mfa.needs_second_factor(user):
        record = sessions.start_session(user)
        record.provider_second_factor = claims.second_factor
        record.id_token = claims.id_token or None
        user.last_sign_in_at = utcnow()
        audit.record(user, "user.signed_in", user, ip=ip_address, by=claims.issuer)
        return False
    record = sessions.start_session(user, second_factor_pending=True)
    record.id_token = claims.id_token or None
    return True


def end_session_url(id_token: str | None, after: str) -> str | None:
    """The provider's end-session address for this ID token, where it publishes one."""
    if not enabled() or not id_token:
        return None
    try:
        metadata = client().load_server_metadata()
    except Exception:  # the provider is down: the portal's own sign-out has happened
        current_app.logger.warning("single sign-on: no provider metadata for sign-out")
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return client().create_logout_url(
        post_logout_redirect_uri=after, id_token_hint=id_token, client_id=client().client_id
    )["url"]
