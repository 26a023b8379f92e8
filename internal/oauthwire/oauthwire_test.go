package oauthwire

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecondsAcceptsNumbersAndStrings(t *testing.T) {
	t.Parallel()
	var v1 TokenResponse
	require.NoError(t, json.Unmarshal([]byte(`{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","access_token":"x"}`), &v1))
	assert.Equal(t, Seconds(3599), v1.ExpiresIn)
	var v2 TokenResponse
	require.NoError(t, json.Unmarshal([]byte(`{"token_type":"Bearer","expires_in":3599,"refresh_in":1800,"access_token":"x"}`), &v2))
	assert.Equal(t, Seconds(3599), v2.ExpiresIn)
	assert.Equal(t, Seconds(1800), v2.RefreshIn)
	var absent TokenResponse
	require.NoError(t, json.Unmarshal([]byte(`{"expires_in":null}`), &absent))
	assert.Zero(t, absent.ExpiresIn)
	out, err := json.Marshal(v2)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"expires_in":3599`)
}

func TestSecondsRefusesGarbage(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`"soon"`, `-5`, `"1e3"`, `{}`, `99999999999999999999999`} {
		var s Seconds
		err := json.Unmarshal([]byte(in), &s)
		assert.Error(t, err, in)
	}
}

func FuzzTokenResponse(f *testing.F) {
	f.Add([]byte(`{"token_type":"Bearer","expires_in":"3599","access_token":"x"}`))
	f.Add([]byte(`{"error":"invalid_client","error_codes":[7000215],"error_description":"AADSTS7000215: x"}`))
	f.Add([]byte(`{"expires_in":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr TokenResponse
		if json.Unmarshal(data, &tr) == nil {
			assert.GreaterOrEqual(t, int64(tr.ExpiresIn), int64(0))
		}
		var er ErrorResponse
		_ = json.Unmarshal(data, &er)
	})
}

func TestTextAcceptsStringsAndNumbers(t *testing.T) {
	var tr TokenResponse
	if err := json.Unmarshal([]byte(`{"expires_on":1700000000,"not_before":"1699996400"}`), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.ExpiresOn != "1700000000" || tr.NotBefore != "1699996400" {
		t.Fatalf("got %q, %q", tr.ExpiresOn, tr.NotBefore)
	}
	if err := json.Unmarshal([]byte(`{"expires_on":{}}`), &tr); err == nil {
		t.Fatal("an object is not a time")
	}
}

func TestCodesAcceptWhatAGatewayMakesOfThem(t *testing.T) {
	for body, want := range map[string][]int{
		`{"error":"x","error_codes":[7000215,50012]}`:            {7000215, 50012},
		`{"error":"x","error_codes":["7000215"]}`:                {7000215},
		`{"error":"x","error_codes":["AADSTS7000215"]}`:          {7000215},
		`{"error":"x","error_codes":7000215}`:                    {7000215},
		`{"error":"x","error_codes":{"a":1}}`:                    nil,
		`{"error":"x","error_codes":[null,true,"nope",7000215]}`: {7000215},
	} {
		var e ErrorResponse
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if len(e.ErrorCodes) != len(want) || (len(want) > 0 && e.ErrorCodes[0] != want[0]) || e.Error != "x" {
			t.Errorf("%s: got %v, %q", body, e.ErrorCodes, e.Error)
		}
	}
}
