"""OpenID providers on 127.0.0.1 for the single sign-on tests.

- `ProviderProcess`: the real `oidc-provider-mock` server, run as its own process (its users'
  claims are set over HTTP; its sign-in form is posted to, or filled in by a browser).
- `SigningProvider`: a small provider whose token endpoint answers with whatever ID token a
  test signed with its own key, published from its JWKS endpoint: for the checks the real one
  cannot be made to fail (a wrong issuer or audience, an expired token, a bad signature).
"""

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProviderProcess:
    """`python -m oidc_provider_mock` on a free port of 127.0.0.1."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        command = [sys.executable, "-m", "oidc_provider_mock", "-p", str(self.port), "-n"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/.well-known/openid-configuration", timeout=1)
                return self
            except httpx.TransportError:
                if self.process.poll() is not None:
                    raise RuntimeError("oidc-provider-mock exited") from None
                time.sleep(0.1)
        raise RuntimeError("oidc-provider-mock did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def user(self, sub, **claims):
        """Set the claims the provider gives `sub`."""
        answer = httpx.put(f"{self.url}/users/{quote(sub)}", json=claims, timeout=5)
        assert answer.status_code == 204, answer.text

    def authorize(self, location, sub) -> str:
        """Sign in as `sub` on the provider's form at `location`; return where it sends the
        browser back to (the portal's callback, with the code and state)."""
        answer = httpx.post(location, data={"sub": sub}, timeout=5)
        assert answer.status_code in (302, 303), answer.text
        return answer.headers["location"]


class SigningProvider:
    """Discovery, JWKS and a token endpoint on 127.0.0.1; the token endpoint answers with
    `next_id_token`, which tests sign with `key` (or another)."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.next_id_token = None
        self.claimed_issuer = None  # an issuer for the discovery document other than its own
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    self._json(provider.metadata())
                elif self.path == "/jwks":
                    self._json(KeySet([provider.key]).as_dict(private=False))
                else:
                    self.send_error(404)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/token":
                    self._json(
                        {
                            "access_token": "an-access-token",
                            "token_type": "Bearer",
                            "expires_in": 300,
                            "id_token": provider.next_id_token,
                        }
                    )
                else:
                    self.send_error(404)

            def _json(self, body):
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def metadata(self) -> dict:
        return {
            "issuer": self.claimed_issuer or self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def sign(self, claims, key=None) -> str:
        key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)
