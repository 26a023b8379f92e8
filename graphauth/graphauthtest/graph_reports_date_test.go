package graphauthtest_test

import (
	"encoding/csv"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// TestActiveUserReportByDate: the report's (date=YYYY-MM-DD) overload,
// which msgraph-sdk-go calls as GetOffice365ActiveUserDetailWithDate, used
// to be refused as "Invalid value for period", a valid call answered as the
// caller's mistake.
func TestActiveUserReportByDate(t *testing.T) {
	t.Parallel()
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tok := tokenWithRoles(t, srv, "Reports.Read.All")
	noRedirect := *srv.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	call := func(arg string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/v1.0/reports/getOffice365ActiveUserDetail("+arg+")", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	day := srv.Now().UTC().AddDate(0, 0, -3).Format("2006-01-02")
	resp := call("date=" + day)
	require.Equal(t, 302, resp.StatusCode)
	dl, err := srv.Client().Get(resp.Header.Get("Location"))
	require.NoError(t, err)
	defer dl.Body.Close()
	rows, err := csv.NewReader(dl.Body).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Contains(t, rows[1][0], day, "the rows are the requested day's")

	for _, bad := range []string{"date=" + srv.Now().UTC().AddDate(0, 0, -40).Format("2006-01-02"), "date=2026-13-01", "date=" + srv.Now().UTC().Add(48*time.Hour).Format("2006-01-02")} {
		r := get(t, srv, tok, "/v1.0/reports/getOffice365ActiveUserDetail("+bad+")")
		assert.Equal(t, 400, r.Status, bad)
		assert.Contains(t, r.message(), "Invalid value for date", bad)
	}
}
