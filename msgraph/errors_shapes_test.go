package msgraph_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"

	"github.com/entrakit/entrakit/msgraph"
)

func answer(status int, header http.Header, body string) *http.Response {
	req, _ := http.NewRequest("GET", "https://graph.microsoft.com/v1.0/me/planner/tasks", nil)
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

// Graph's workloads do not all fill the error code: Planner answers a 403
// with "code": "" (Graph's batching page shows it). Its message, request-id
// and date were dropped, and the body called "not Graph's error JSON".
func TestARefusalWithoutACodeKeepsItsMessageAndIDs(t *testing.T) {
	t.Parallel()
	ge := msgraph.ParseGraphError(answer(403, http.Header{"Content-Type": {"application/json"}},
		`{"error":{"code":"","message":"You do not have the required permissions to access this item.","innerError":{"date":"2026-11-24T10:17:05","request-id":"93b6f17e-c05d-4f45-ad2a-6665c708d8a0","client-request-id":"e70c5c1b-8b47-68c0-3171-3d22f5e0bd54"}}}`))
	assert.Equal(t, "You do not have the required permissions to access this item.", ge.Message)
	assert.Equal(t, "93b6f17e-c05d-4f45-ad2a-6665c708d8a0", ge.RequestID)
	assert.Equal(t, "e70c5c1b-8b47-68c0-3171-3d22f5e0bd54", ge.ClientRequestID)
	assert.Equal(t, "2026-11-24T10:17:05", ge.Date)
	assert.NoError(t, ge.Err)
}

// A gateway's HTML page has no innerError: the date support asks for
// comes from the HTTP Date header, written as innerError.date is, and the
// page itself stays out of the error.
func TestAGatewayPageKeepsTheHTTPDate(t *testing.T) {
	t.Parallel()
	ge := msgraph.ParseGraphError(answer(504, http.Header{"Content-Type": {"text/html"}, "Date": {"Tue, 24 Nov 2026 10:17:05 GMT"}},
		"<html><head><title>504 Gateway Time-out</title></head><body>upstream request timeout</body></html>"))
	assert.Equal(t, "2026-11-24T10:17:05", ge.Date)
	assert.Empty(t, ge.Code)
	assert.Error(t, ge.Err)
	assert.NotContains(t, ge.Error(), "upstream")
}

// A 401 with an empty body (a gateway that refused the token before Graph
// saw it) says so in plain words.
func TestAnEmptyRefusalSaysItIsEmpty(t *testing.T) {
	t.Parallel()
	ge := msgraph.ParseGraphError(answer(401, http.Header{"Www-Authenticate": {`Bearer realm=""`}}, ""))
	assert.EqualError(t, ge.Err, "an empty body, not Graph's error JSON")
	assert.NotContains(t, ge.Error(), "  ", "no gap where a content type would be")
}

// An Application.ReadWrite.OwnedBy app adding a secret to an app it does
// not own gets Graph's 403 Authorization_RequestDenied; the error told it
// to get Application.ReadWrite.OwnedBy, which its token carried. It now
// says the refusal is about the object.
func TestA403ForAPermissionTheTokenHasIsAboutTheObject(t *testing.T) {
	t.Parallel()
	ge := msgraph.ParseGraphError(forbidden(t, jwt.MapClaims{"roles": []string{"Application.ReadWrite.OwnedBy"}},
		"POST", "https://graph.microsoft.com/v1.0/applications/6d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f/addPassword"))
	assert.Contains(t, ge.Required, "Application.ReadWrite.OwnedBy")
	assert.Equal(t, []string{"Application.ReadWrite.OwnedBy"}, ge.Granted)
	assert.Contains(t, ge.Error(), "the token carries Application.ReadWrite.OwnedBy, which allows the call")
	assert.NotContains(t, ge.Error(), "the call needs one of these")

	missing := msgraph.ParseGraphError(forbidden(t, jwt.MapClaims{"roles": []string{"User.Read.All"}},
		"POST", "https://graph.microsoft.com/v1.0/applications/6d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f/addPassword"))
	assert.Contains(t, missing.Error(), "the call needs one of these application permissions")
}

// A field of another JSON type than Graph's (a date as a number, an
// innerError that is a string, a message as OData v3's {"lang", "value"})
// lost the code and message too: the whole body was "not Graph's error
// JSON". Each field is read on its own; what is written into the error
// stays escaped and bounded.
func TestAnErrorFieldOfAnotherTypeKeepsTheOthers(t *testing.T) {
	t.Parallel()
	hdr := http.Header{"Content-Type": {"application/json"}}
	ge := msgraph.ParseGraphError(answer(400, hdr,
		`{"error":{"code":"Request_BadRequest","message":"Invalid value","innerError":{"date":20261124,"request-id":["x"],"client-request-id":"c-1"}}}`))
	assert.Equal(t, "Request_BadRequest", ge.Code)
	assert.Equal(t, "Invalid value", ge.Message)
	assert.Equal(t, "20261124", ge.Date)
	assert.Equal(t, "c-1", ge.ClientRequestID)
	assert.NoError(t, ge.Err)

	ge = msgraph.ParseGraphError(answer(403, hdr, `{"error":{"code":"accessDenied","message":"Denied","innerError":"opaque"}}`))
	assert.Equal(t, "accessDenied", ge.Code)
	assert.Equal(t, "Denied", ge.Message)

	ge = msgraph.ParseGraphError(answer(404, hdr, `{"error":{"code":"-2130575338, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The file \u001b[31mreport.xlsx does not exist."}}}`))
	assert.Equal(t, "The file  [31mreport.xlsx does not exist.", ge.Message, "the terminal escape is a space")

	ge = msgraph.ParseGraphError(answer(400, hdr, `{"error":{"code":{"nested":{"deeper":[1,2,3]}},"message":"`+strings.Repeat("m", 5000)+`"}}`))
	assert.Empty(t, ge.Code)
	assert.LessOrEqual(t, len(ge.Message), 504, "500 bytes and an ellipsis")

	ge = msgraph.ParseGraphError(answer(400, hdr, `{"error":"just a string"}`))
	assert.Empty(t, ge.Code)
	assert.Error(t, ge.Err)
}
