"""MSAL Python (Debian's python3-msal) against fakeentra.

Client secret, certificate (SHA-1 thumbprint, and x5c with
public_certificate), auth code + PKCE, refresh, and silent calls that must
be cache hits, proven by fakeentra's request log read through its control
API. fakeentra's hello line arrives in FAKEENTRA; REQUESTS_CA_BUNDLE names
its CA file, as the README tells. Prints one JSON line of what it saw;
exits non-zero on the first broken expectation. Run:

# REQUESTS_CA_BUNDLE=/tmp/fakeentra/ca.pem FAKEENTRA="$(fakeentra's line)" /usr/bin/python3 msal_python.py
"""

import json
import os
import sys
import urllib.parse

import msal
import requests

HELLO = json.loads(os.environ.get("FAKEENTRA", "{}"))
if not HELLO.get("url") or not HELLO.get("controlUrl"):
    sys.exit("FAKEENTRA must hold fakeentra's hello line (url, controlUrl, tenantId)")
GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"]
AUTHORITY = HELLO["url"] + "/" + HELLO["tenantId"]
# The helpers below trust the fake's CA explicitly; the MSAL clients rely on
# REQUESTS_CA_BUNDLE alone.
CONTROL = requests.Session()
CONTROL.verify = HELLO["caFile"]


def control(method, path, body=None):
    """Calls one control operation and returns its JSON answer (None for 204)."""
    res = CONTROL.request(method, HELLO["controlUrl"] + path, json=body, allow_redirects=False)
    if res.status_code >= 300:
        raise AssertionError("control %s %s: %d %s" % (method, path, res.status_code, res.text))
    return res.json() if res.text else None


def graph(path, access_token):
    """Calls the fake Microsoft Graph with an access token."""
    return CONTROL.get(HELLO["url"] + "/v1.0" + path, headers={"Authorization": "Bearer " + access_token},
                       allow_redirects=False)


def token_requests(client_id):
    return control("GET", "/requests?" + urllib.parse.urlencode({"endpoint": "token", "clientId": client_id}))


def new_app(name):
    """Registers an app of its own for one scenario, with a secret, a new
    certificate and User.Read.All granted."""
    return control("POST", "/apps", {
        "displayName": name,
        "secrets": [{"displayName": name}],
        "generateCertificate": True,
        "redirectUris": ["http://localhost/callback"],
        "requiredRoles": ["User.Read.All"],
        "requiredScopes": ["User.Read"],
        "grants": {HELLO["tenantId"]: ["User.Read.All"]},
    })


def client(app, credential):
    # instance_discovery=False: MSAL would otherwise ask Microsoft's host
    # whether the fake's authority is trusted.
    return msal.ConfidentialClientApplication(
        app["clientId"], client_credential=credential, authority=AUTHORITY, instance_discovery=False)


def app_only(name, credential_for):
    """Gets a Graph token twice; the second must come from MSAL's cache."""
    app = new_app(name)
    cca = client(app, credential_for(app))
    first = cca.acquire_token_silent(GRAPH_DEFAULT, account=None) or cca.acquire_token_for_client(GRAPH_DEFAULT)
    assert "access_token" in first, "%s: %s" % (name, first.get("error_description"))
    second = cca.acquire_token_silent(GRAPH_DEFAULT, account=None) or cca.acquire_token_for_client(GRAPH_DEFAULT)
    assert second.get("access_token") == first["access_token"], name + ": the second call got a new token"
    reqs = token_requests(app["clientId"])
    assert len(reqs) == 1, "%s: %d token requests, want 1 (the second call must hit the cache)" % (name, len(reqs))
    users = graph("/users", first["access_token"])
    assert users.status_code == 200, "%s: Graph refused the token: %s" % (name, users.text)
    return {"scenario": name, "tokenRequests": len(reqs)}


def sign_in(auth_uri):
    """Follows an authorize URL as a browser would, up to the redirect to
    the app, and returns that redirect's query."""
    url = auth_uri
    for _ in range(10):
        res = CONTROL.get(url, allow_redirects=False)
        loc = res.headers.get("Location")
        assert 300 <= res.status_code < 400 and loc, "authorize answered %d: %s" % (res.status_code, res.text[:300])
        to = urllib.parse.urljoin(url, loc)
        if not to.startswith(HELLO["url"] + "/"):
            return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(to).query))
        url = to
    raise AssertionError("authorize redirected more than 10 times")


def auth_code():
    name = "msal-python auth code"
    app = new_app(name)
    upn = "python-%s@%s" % (app["clientId"][:8], HELLO["tenantDomain"])
    control("POST", "/users", {"tenant": HELLO["tenantId"], "upn": upn})
    control("POST", "/grants/scopes", {"tenant": HELLO["tenantId"], "clientId": app["clientId"], "user": upn,
                                       "scopes": ["User.Read"]})
    cca = client(app, app["secrets"][0]["value"])
    scopes = ["User.Read"]
    flow = cca.initiate_auth_code_flow(scopes, redirect_uri="http://localhost/callback", login_hint=upn)
    assert "code_challenge=" in flow["auth_uri"], "MSAL sends a PKCE challenge"
    back = sign_in(flow["auth_uri"])
    assert "code" in back, "no code in the redirect: %s" % back
    by_code = cca.acquire_token_by_auth_code_flow(flow, back)
    assert "access_token" in by_code, by_code.get("error_description")
    me = graph("/me", by_code["access_token"])
    assert me.status_code == 200, "Graph refused the delegated token: %s" % me.text
    assert me.json()["userPrincipalName"] == upn, "/me is the signed-in user"
    accounts = cca.get_accounts(username=upn)
    assert len(accounts) == 1, "one account for %s, got %d" % (upn, len(accounts))
    after_code = len(token_requests(app["clientId"]))
    silent = cca.acquire_token_silent(scopes, account=accounts[0])
    assert silent and "access_token" in silent, "a silent call after the code"
    after_silent = token_requests(app["clientId"])
    refreshed = cca.acquire_token_silent(scopes, account=accounts[0], force_refresh=True)
    assert refreshed and "access_token" in refreshed, "force_refresh redeems the refresh token"
    grants = [(r["grantType"], r["status"]) for r in token_requests(app["clientId"])[len(after_silent):]]
    assert grants == [("refresh_token", 200)], "force_refresh redeemed once and was accepted: %s" % grants
    extra = after_silent[after_code:]
    assert not extra, ("the silent call redeemed again (%s): MSAL's cache missed on %s, granted scope %r"
                       % (", ".join(r["grantType"] for r in extra), scopes, by_code.get("scope")))
    return {"scenario": name, "tokenRequests": len(after_silent), "scope": by_code.get("scope")}


def main():
    results = [
        app_only("msal-python secret", lambda app: app["secrets"][0]["value"]),
        app_only("msal-python certificate sha1", lambda app: {
            "private_key": app["certificates"][0]["privateKeyPem"],
            "thumbprint": app["certificates"][0]["thumbprintSha1"]}),
        app_only("msal-python certificate x5c", lambda app: {
            "private_key": app["certificates"][0]["privateKeyPem"],
            "thumbprint": app["certificates"][0]["thumbprintSha1"],
            "public_certificate": app["certificates"][0]["certificatePem"]}),
        auth_code(),
    ]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
