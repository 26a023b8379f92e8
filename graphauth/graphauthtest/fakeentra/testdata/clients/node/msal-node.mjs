// msal-node against fakeentra: client secret, certificate (SHA-256 and
// SHA-1 thumbprints, x5c), auth code + PKCE, refresh, and silent calls that
// must be cache hits. Prints one JSON line of what it saw; exits non-zero on
// the first broken expectation. Run:
//   NODE_EXTRA_CA_CERTS=/tmp/fakeentra/ca.pem FAKEENTRA="$(fakeentra's line)" node msal-node.mjs
import assert from "node:assert/strict";
import { ConfidentialClientApplication, CryptoProvider } from "@azure/msal-node";
import { hello, control, graph, newApp, signInCode, tokenRequests } from "./control.mjs";

const GRAPH_DEFAULT = ["https://graph.microsoft.com/.default"];
const authority = `${hello.url}/${hello.tenantId}`;
// msal-node trusts only Microsoft's hosts unless told: knownAuthorities
// names the fake's host with its port.
const knownAuthorities = [new URL(hello.url).host];

function client(clientId, credential) {
  return new ConfidentialClientApplication({
    auth: { clientId, authority, knownAuthorities, ...credential },
  });
}

// appOnly gets a Graph token twice; the second must come from msal's cache.
async function appOnly(name, credential) {
  const app = await newApp(name);
  const cca = client(app.clientId, credential(app));
  const first = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
  assert.ok(first.accessToken, `${name}: no access token`);
  assert.equal(first.fromCache, false, `${name}: the first token came from the cache`);
  const second = await cca.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
  assert.equal(second.accessToken, first.accessToken, `${name}: the second call got a new token`);
  const reqs = await tokenRequests(app.clientId);
  assert.equal(reqs.length, 1, `${name}: ${reqs.length} token requests, want 1 (the second call must hit the cache)`);
  assert.equal(reqs[0].status, 200);
  const users = await graph("/users", first.accessToken);
  assert.equal(users.status, 200, `${name}: Graph refused the token: ${JSON.stringify(users.body)}`);
  return { scenario: name, tokenRequests: reqs.length, fromCache: second.fromCache };
}

const cert = (app) => app.certificates[0];

async function authCode() {
  const name = "msal-node auth code";
  const app = await newApp(name);
  const user = await control("POST", "/users", { tenant: hello.tenantId, upn: `node-${app.clientId.slice(0, 8)}@${hello.tenantDomain}` });
  await control("POST", "/grants/scopes", { tenant: hello.tenantId, clientId: app.clientId, user: user.upn, scopes: ["User.Read"] });
  const cca = client(app.clientId, { clientSecret: app.secrets[0].value });
  const pkce = await new CryptoProvider().generatePkceCodes();
  const redirectUri = "http://localhost/callback";
  const scopes = ["User.Read"];
  const url = await cca.getAuthCodeUrl({ scopes, redirectUri, loginHint: user.upn, state: "xyz",
    codeChallenge: pkce.challenge, codeChallengeMethod: "S256" });
  const back = await signInCode(url);
  assert.equal(back.state, "xyz", "the state came back");
  assert.ok(back.code, `no code in the redirect: ${JSON.stringify(back)}`);
  const byCode = await cca.acquireTokenByCode({ code: back.code, scopes, redirectUri, codeVerifier: pkce.verifier });
  assert.ok(byCode.account, "no account from the code");
  assert.equal(byCode.account.username, user.upn);
  const me = await graph("/me", byCode.accessToken);
  assert.equal(me.status, 200, `Graph refused the delegated token: ${JSON.stringify(me.body)}`);
  assert.equal(me.body.userPrincipalName, user.upn, "/me is the signed-in user");
  const silent = await cca.acquireTokenSilent({ account: byCode.account, scopes });
  const afterSilent = await tokenRequests(app.clientId);
  const refreshed = await cca.acquireTokenSilent({ account: byCode.account, scopes, forceRefresh: true });
  assert.ok(refreshed.accessToken);
  const refreshes = (await tokenRequests(app.clientId)).slice(afterSilent.length);
  assert.deepEqual(refreshes.map((r) => [r.grantType, r.status]), [["refresh_token", 200]],
    "forceRefresh redeems the refresh token once, and the fake accepts it");
  assert.equal(afterSilent.length, 1,
    `the silent call after the code redeemed again (${afterSilent.map((r) => r.grantType).join(", ")}): ` +
    `msal-node's cache missed on ${JSON.stringify(scopes)}, granted scopes ${JSON.stringify(byCode.scopes)}`);
  assert.equal(silent.fromCache, true);
  return { scenario: name, tokenRequests: afterSilent.length, fromCache: silent.fromCache, scopes: byCode.scopes };
}

const results = [];
results.push(await appOnly("msal-node secret", (app) => ({ clientSecret: app.secrets[0].value })));
results.push(await appOnly("msal-node certificate sha256", (app) => ({
  clientCertificate: { thumbprintSha256: cert(app).thumbprintSha256, privateKey: cert(app).privateKeyPem } })));
results.push(await appOnly("msal-node certificate sha1", (app) => ({
  clientCertificate: { thumbprint: cert(app).thumbprintSha1, privateKey: cert(app).privateKeyPem } })));
results.push(await appOnly("msal-node certificate x5c", (app) => ({
  clientCertificate: { thumbprintSha256: cert(app).thumbprintSha256, privateKey: cert(app).privateKeyPem,
    x5c: cert(app).certificatePem } })));
results.push(await authCode());
console.log(JSON.stringify(results));
