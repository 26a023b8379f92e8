package graphauthtest

import (
	"net/http"
	"strings"
)

// setLocation gives a created directory object's answer the Location
// header Graph's directory writes carry: the object under Graph's
// internal /v2/{tenant}/directoryObjects path, with its directory type
// ("Application", "ServicePrincipal", "User", "Group").
func setLocation(w http.ResponseWriter, tenantID, id, typ string) {
	w.Header().Set("Location", "https://graph.microsoft.com/v2/"+tenantID+"/directoryObjects/"+id+"/Microsoft.DirectoryServices."+typ)
}

// graphAGSDiagnostic is the x-ms-ags-diagnostic header Graph's gateway puts
// on every answer, naming the data center that served it.
const graphAGSDiagnostic = `{"ServerInfo":{"DataCenter":"Fake Region","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"FK1PEPF00000000","ADSiteName":"FK"}}`

// graphWriter gives every Graph answer the headers Graph sends besides its
// IDs: OData's content type and version on JSON, no caching, HSTS, and the
// gateway's x-ms-ags-diagnostic.
type graphWriter struct {
	http.ResponseWriter
	wrote bool
}

func (g *graphWriter) WriteHeader(status int) {
	if !g.wrote {
		g.wrote = true
		h := g.Header()
		if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
			h.Set("Content-Type", graphJSONType)
			h.Set("OData-Version", "4.0")
		}
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("Strict-Transport-Security", "max-age=31536000")
		h.Set("x-ms-ags-diagnostic", graphAGSDiagnostic)
	}
	g.ResponseWriter.WriteHeader(status)
}

func (g *graphWriter) Write(b []byte) (int, error) {
	if !g.wrote {
		g.WriteHeader(http.StatusOK) // a body written without WriteHeader
	}
	return g.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (g *graphWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }
