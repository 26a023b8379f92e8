// @azure/identity against fakeentra: ClientSecretCredential and
// ClientCertificateCredential (with and without the certificate chain, x5c),
// each asked twice for a Graph token: the second must come from the
// credential's cache; and ManagedIdentityCredential through App Service's
// endpoint, with an identity the control API added. Prints one JSON line; exits non-zero on the first
// broken expectation. With the argument "tlsOptions" the credentials trust
// the fake through tlsOptions.ca instead of NODE_EXTRA_CA_CERTS. Run:
//   NODE_EXTRA_CA_CERTS=/tmp/fakeentra/ca.pem FAKEENTRA="$(fakeentra's line)" node azure-identity.mjs
import assert from "node:assert/strict";
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import { ca, control, graph, hello, newApp, tokenRequests } from "./control.mjs";

const GRAPH_DEFAULT = "https://graph.microsoft.com/.default";
// authorityHost points the credential at the fake; disableInstanceDiscovery
// keeps it from asking Microsoft's host whether the fake is trusted.
const options = { authorityHost: hello.url, disableInstanceDiscovery: true };
const viaTLSOptions = process.argv[2] === "tlsOptions";
if (viaTLSOptions) {
  assert.notEqual(process.env.NODE_EXTRA_CA_CERTS, hello.caFile, "tlsOptions mode runs without the fake's CA in NODE_EXTRA_CA_CERTS");
  options.tlsOptions = { ca: ca.toString() }; // ca: the CA file's contents
}

async function twice(name, credentialFor) {
  if (viaTLSOptions) name += " (tlsOptions.ca)";
  const app = await newApp(name);
  const cred = credentialFor(app);
  const first = await cred.getToken(GRAPH_DEFAULT);
  assert.ok(first.token, `${name}: no token`);
  assert.ok(first.expiresOnTimestamp > Date.now(), `${name}: the token is already expired`);
  const second = await cred.getToken(GRAPH_DEFAULT);
  assert.equal(second.token, first.token, `${name}: the second call got a new token`);
  const reqs = await tokenRequests(app.clientId);
  assert.equal(reqs.length, 1, `${name}: ${reqs.length} token requests, want 1 (the second call must hit the cache)`);
  const users = await graph("/users", first.token);
  assert.equal(users.status, 200, `${name}: Graph refused the token: ${JSON.stringify(users.body)}`);
  return { scenario: name, tokenRequests: reqs.length };
}

// pem is what ClientCertificateCredential reads: the key and the certificate.
const pem = (app) => ({ certificate: app.certificates[0].privateKeyPem + app.certificates[0].certificatePem });

const results = [];
results.push(await twice("@azure/identity secret",
  (app) => new ClientSecretCredential(hello.tenantId, app.clientId, app.secrets[0].value, options)));
results.push(await twice("@azure/identity certificate",
  (app) => new ClientCertificateCredential(hello.tenantId, app.clientId, pem(app), options)));
results.push(await twice("@azure/identity certificate x5c",
  (app) => new ClientCertificateCredential(hello.tenantId, app.clientId, pem(app), { ...options, sendCertificateChain: true })));
if (!viaTLSOptions) {
  // The default app, from the files fakeentra wrote: pemFile holds its key
  // and certificate, as certificatePath wants them.
  // The default app is shared with whatever else ran against this fake (an
  // earlier run of this script, the README's curl lines): only the requests
  // made here count.
  const before = (await tokenRequests(hello.clientId)).length;
  const cred = new ClientCertificateCredential(hello.tenantId, hello.clientId, { certificatePath: hello.pemFile }, options);
  const first = await cred.getToken(GRAPH_DEFAULT);
  const second = await cred.getToken(GRAPH_DEFAULT);
  assert.equal(second.token, first.token, "the default app's second call got a new token");
  const made = (await tokenRequests(hello.clientId)).length - before;
  assert.equal(made, 1, `the default app's certificate: ${made} token requests, want 1`);
  results.push({ scenario: "@azure/identity certificatePath", tokenRequests: made });

  // A user-assigned managed identity on App Service: the control API adds
  // it and answers IDENTITY_ENDPOINT and IDENTITY_HEADER, which the
  // credential reads from the environment when it is made.
  const mi = await control("POST", "/managedIdentities", {});
  process.env.IDENTITY_ENDPOINT = mi.identityEndpoint;
  process.env.IDENTITY_HEADER = mi.identityHeader;
  const miCred = new ManagedIdentityCredential({ clientId: mi.clientId });
  const miFirst = await miCred.getToken(GRAPH_DEFAULT);
  const miSecond = await miCred.getToken(GRAPH_DEFAULT);
  assert.equal(miSecond.token, miFirst.token, "the managed identity's second call got a new token");
  const claims = JSON.parse(Buffer.from(miFirst.token.split(".")[1], "base64url").toString());
  assert.equal(claims.oid, mi.objectId, "the managed identity's token is not its own");
  assert.equal(claims.tid, mi.tenant, "the managed identity's token is not in its tenant");
  const miReqs = await control("GET", "/requests?endpoint=managedidentity");
  results.push({ scenario: "@azure/identity managed identity (App Service)", tokenRequests: miReqs.length });
}
console.log(JSON.stringify(results));
