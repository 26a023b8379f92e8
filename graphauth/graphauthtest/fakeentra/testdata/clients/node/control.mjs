// A small client of fakeentra's control API (openapi.yaml), shared by the
// Node scripts. fakeentra's hello line arrives in FAKEENTRA. These helpers
// trust fakeentra's CA file explicitly, so that what a script proves about a
// client's own trust settings (NODE_EXTRA_CA_CERTS, tlsOptions.ca) is the
// client's alone.
import { readFileSync } from "node:fs";
import { request } from "node:https";

export const hello = JSON.parse(process.env.FAKEENTRA ?? "{}");
if (!hello.url || !hello.controlUrl) {
  throw new Error("FAKEENTRA must hold fakeentra's hello line (url, controlUrl, tenantId)");
}

export const ca = readFileSync(hello.caFile);

// send makes one HTTPS request trusting only fakeentra's CA and never
// following redirects.
function send(method, url, body, extraHeaders = {}) {
  return new Promise((resolve, reject) => {
    const headers = { ...extraHeaders, ...(body === undefined ? {} : { "content-type": "application/json" }) };
    const req = request(url, { method, headers, ca }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// control calls one operation and returns its JSON answer (null for 204).
export async function control(method, path, body) {
  const res = await send(method, hello.controlUrl + path, body);
  if (res.status >= 300) {
    throw new Error(`control ${method} ${path}: ${res.status} ${res.text}`);
  }
  return res.text === "" ? null : JSON.parse(res.text);
}

// graph calls the fake Microsoft Graph with an access token and returns
// the HTTP status and JSON body.
export async function graph(path, accessToken) {
  const res = await send("GET", hello.url + "/v1.0" + path, undefined, { authorization: "Bearer " + accessToken });
  return { status: res.status, body: res.text === "" ? null : JSON.parse(res.text) };
}

// tokenRequests returns the token requests the fake logged for one app.
export async function tokenRequests(clientId, grantType) {
  const q = new URLSearchParams({ endpoint: "token", clientId });
  if (grantType) q.set("grantType", grantType);
  return control("GET", "/requests?" + q);
}

// newApp registers an app of its own for one scenario, so that scenarios
// run in parallel against one fake without seeing each other's requests.
export async function newApp(name, extra = {}) {
  return control("POST", "/apps", {
    displayName: name,
    secrets: [{ displayName: name }],
    generateCertificate: true,
    redirectUris: ["http://localhost/callback"],
    requiredRoles: ["User.Read.All"],
    requiredScopes: ["User.Read"],
    grants: { [hello.tenantId]: ["User.Read.All"] },
    ...extra,
  });
}

// signInCode follows an authorize URL the way a browser would, up to the
// redirect to the app, and returns that redirect's query.
export async function signInCode(authorizeUrl) {
  let next = authorizeUrl;
  for (let i = 0; i < 10; i++) {
    const res = await send("GET", next);
    const loc = res.headers.location;
    if (res.status < 300 || res.status >= 400 || !loc) {
      throw new Error(`authorize answered ${res.status} without a redirect: ${res.text.slice(0, 300)}`);
    }
    const to = new URL(loc, next);
    if (to.origin !== new URL(hello.url).origin) {
      return Object.fromEntries(to.searchParams);
    }
    next = to.href;
  }
  throw new Error("authorize redirected more than 10 times");
}
