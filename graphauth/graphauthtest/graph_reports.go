package graphauthtest

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"time"
)

// reportDownloadLifetime is how long a report's pre-authenticated download
// URL works ("a few minutes" in the reports API's documentation).
const reportDownloadLifetime = 5 * time.Minute

var (
	permReports       = [2][]string{{"Reports.Read.All"}, {"Reports.Read.All"}}
	permAuthMethods   = [2][]string{{"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}, {"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}}
	permResetPassword = [2][]string{nil, {"UserAuthenticationMethod.ReadWrite.All"}}
)

// passwordMethodID is the fixed ID of every user's password authentication
// method.
const passwordMethodID = "28c10230-6103-485e-b985-444c60001490"

// reportDownload is a report waiting at its pre-authenticated URL.
type reportDownload struct {
	body    []byte
	expires time.Time
}

var activeUserColumns = []string{"Report Refresh Date", "User Principal Name", "Display Name", "Is Deleted", "Deleted Date",
	"Has Exchange License", "Has OneDrive License", "Has SharePoint License", "Has Skype For Business License", "Has Yammer License",
	"Has Teams License", "Exchange Last Activity Date", "OneDrive Last Activity Date", "SharePoint Last Activity Date",
	"Skype For Business Last Activity Date", "Yammer Last Activity Date", "Teams Last Activity Date", "Exchange License Assign Date",
	"OneDrive License Assign Date", "SharePoint License Assign Date", "Skype For Business License Assign Date",
	"Yammer License Assign Date", "Teams License Assign Date", "Assigned Products"}

// graphActiveUserReport serves GET
// /reports/getOffice365ActiveUserDetail(period='D7') and its
// (date=YYYY-MM-DD) overload: as Graph does, a 302
// to a pre-authenticated URL from which the CSV downloads.
func (s *Server) graphActiveUserReport(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permReports) {
		return
	}
	arg := p[1][strings.Index(p[1], "(")+1 : len(p[1])-1]
	now := s.clk.now()
	day := now.UTC().AddDate(0, 0, -1).Format("2006-01-02")
	switch date, isDate := strings.CutPrefix(arg, "date="); {
	case arg == "period='D7'" || arg == "period='D30'" || arg == "period='D90'" || arg == "period='D180'":
	case isDate:
		// The function's other overload (msgraph-sdk-go's
		// GetOffice365ActiveUserDetailWithDate): one day's detail, for a
		// day of the past 30.
		d, err := time.Parse("2006-01-02", date)
		if err != nil || d.After(now.UTC()) || d.Before(now.UTC().AddDate(0, 0, -30)) {
			s.writeGraphError(w, r, 400, "BadRequest", "Invalid value for date: "+date+". The date must have the format YYYY-MM-DD and be within the past 30 days.")
			return
		}
		day = date
	default:
		s.writeGraphError(w, r, 400, "BadRequest", "Invalid value for period: "+arg+". Supported values are D7, D30, D90 and D180.")
		return
	}
	s.mu.Lock()
	body := activeUserCSV(c.tenant, day)
	token := newGrantID()
	if s.dir.reports == nil {
		s.dir.reports = map[string]*reportDownload{}
	}
	s.dir.reports[token] = &reportDownload{body: body, expires: now.Add(reportDownloadLifetime)}
	s.mu.Unlock()
	w.Header().Set("Location", baseURL(r)+"/reports/download/"+token)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusFound)
}

// activeUserCSV is the report's CSV as refreshed on day (YYYY-MM-DD).
func activeUserCSV(t *tenant, day string) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // the reports service writes a byte order mark
	out := csv.NewWriter(&buf)
	_ = out.Write(activeUserColumns)
	for _, u := range t.orderedUsers() {
		licensed := len(u.Licenses) > 0
		has := map[bool]string{true: "True", false: "False"}[licensed]
		activity := ""
		if licensed && !u.Disabled {
			activity = day
		}
		assign := ""
		if licensed {
			assign = t.objs.created[u.ID].UTC().Format("2006-01-02")
		}
		var products []string
		for _, l := range u.Licenses {
			products = append(products, strings.ToUpper(l))
		}
		row := []string{day, u.UPN, u.DisplayName, "False", "", has, has, has, has, has, has,
			activity, activity, activity, "", "", activity, assign, assign, assign, assign, assign, assign, strings.Join(products, "+")}
		_ = out.Write(row)
	}
	out.Flush()
	return buf.Bytes()
}

// serveReportDownload serves a report's pre-authenticated download URL,
// which needs no Authorization header and works for a few minutes.
func (s *Server) serveReportDownload(w http.ResponseWriter, r *http.Request, p []string) {
	s.mu.Lock()
	d := s.dir.reports[p[2]]
	s.mu.Unlock()
	if d == nil || s.clk.now().After(d.expires) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("The report download link expired or does not exist."))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="Office365ActiveUserDetail.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(d.body)
}

// graphPasswordMethods is GET /users/{id}/authentication/passwordMethods.
func (s *Server) graphPasswordMethods(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permAuthMethods) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.userByKey(w, r, c, p[1]); u != nil {
		writeJSON(w, http.StatusOK, map[string]any{
			"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('" + u.ID + "')/authentication/passwordMethods",
			"value":          []map[string]any{{"id": passwordMethodID, "password": nil, "createdDateTime": isoTime(c.tenant.objs.passwords[u.ID])}},
		})
	}
}

// graphResetPassword is POST
// /users/{id}/authentication/methods/{passwordMethodID}/resetPassword, which
// Graph allows only to an administrator for another user, with a delegated
// token. The user's refresh tokens stop working (AADSTS50173).
func (s *Server) graphResetPassword(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if c.appOnly() {
		s.writeGraphError(w, r, 403, "Authorization_RequestDenied", "Resetting a password through authentication methods is not supported with application permissions; use a delegated token of an administrator.")
		return
	}
	if !s.require(w, r, c, permResetPassword) {
		return
	}
	body, e := decodeObject(r, "passwordResetResponse", []bodyField{{"newPassword", "string"}})
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByKey(w, r, c, p[1])
	admin := c.tenant.byOID[c.userOID]
	switch {
	case u == nil:
		return
	case !strings.EqualFold(p[4], passwordMethodID):
		s.notFound(w, r, p[4])
		return
	case admin == nil || !admin.Admin || u.ID == c.userOID:
		s.writeGraphError(w, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	pw := fieldStr(body, "newPassword")
	generated := pw == ""
	s.passwordChangedLocked(c.tenant, u)
	c.tenant.objs.touch(u.ID)
	w.Header().Set("Location", graphBase(r)+"/users/"+u.ID+"/authentication/operations/"+newGUID())
	resp := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordResetResponse", "newPassword": nil}
	if generated {
		resp["newPassword"] = newSecretValue()[:16]
	}
	writeJSON(w, http.StatusAccepted, resp)
}
