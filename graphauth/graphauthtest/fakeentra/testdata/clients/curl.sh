#!/usr/bin/env bash
# curl against fakeentra: a client-credentials token, then the control API
# moves the clock a day on and reads the token requests of the app. Takes
# fakeentra's printed values in CA, URL, CONTROL, TENANT_ID, CLIENT_ID and
# CLIENT_SECRET; prints the three JSON answers, one a line.
set -euo pipefail
curl -sS --fail-with-body --cacert "$CA" "$URL/$TENANT_ID/oauth2/v2.0/token" \
  -d grant_type=client_credentials -d client_id="$CLIENT_ID" \
  --data-urlencode client_secret="$CLIENT_SECRET" -d scope=https://graph.microsoft.com/.default
echo
curl -sS --fail-with-body --cacert "$CA" -X POST -H 'Content-Type: application/json' \
  -d '{"seconds": 86400}' "$CONTROL/clock/advance"
curl -sS --fail-with-body --cacert "$CA" "$CONTROL/requests?endpoint=token&clientId=$CLIENT_ID"
