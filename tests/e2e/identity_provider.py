"""A small OpenID Connect provider on localhost, for the sign-in tests: the authorization-code flow st.login
speaks (discovery, authorize, token, keys), RS256-signed ID tokens, and one person to sign in as, set by the
test. It asks no password: it stands in for the company's provider, whose own login is not Handshake's."""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID, CLIENT_SECRET = "handshake", "handshake-test-secret"


class IdentityProvider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test", "use": "sig", "alg": "RS256"})
        self.person: dict = {}  # the claims of whoever signs in next: email, name
        self.codes: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def secrets_toml(self, port: int, roles: dict, **handshake) -> str:
        """The secrets.toml a company would write for Handshake on this provider."""
        lines = ["[auth]", f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"',
                 f'cookie_secret = "{secrets.token_hex(32)}"', f'client_id = "{CLIENT_ID}"',
                 f'client_secret = "{CLIENT_SECRET}"',
                 f'server_metadata_url = "{self.url}/.well-known/openid-configuration"', "", "[handshake]"]
        lines += [f"{name} = {json.dumps(value)}" for name, value in handshake.items()]
        lines += ["", "[handshake.roles]"] + [f"{role} = {json.dumps(who)}" for role, who in roles.items()]
        return "\n".join(lines) + "\n"

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "sub": grant["person"]["email"], "aud": CLIENT_ID, "iat": now, "exp": now + 3600,
                  "nonce": grant["nonce"], "email_verified": True, **grant["person"]}
        return jwt.encode({"alg": "RS256", "kid": "test"}, claims, self.key)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # the test's output is for the test
                pass

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json({
                        "issuer": provider.url, "authorization_endpoint": f"{provider.url}/authorize",
                        "token_endpoint": f"{provider.url}/token", "jwks_uri": f"{provider.url}/jwks",
                        "response_types_supported": ["code"], "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "scopes_supported": ["openid", "email", "profile"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                    })
                elif url.path == "/jwks":
                    self._json({"keys": [provider.key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {"person": dict(provider.person), "nonce": query.get("nonce")}
                    self.send_response(302)
                    self.send_header("Location", query["redirect_uri"] + "?" + urlencode(
                        {"code": code, "state": query.get("state", "")}))
                    self.end_headers()
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                grant = provider.codes.pop(form.get("code", ""), None)
                if urlparse(self.path).path != "/token" or grant is None:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 3600,
                            "id_token": provider._id_token(grant)})

        return Handler
