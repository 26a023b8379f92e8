package graphauthtest

import (
	"net/http"
	"strings"
)

// GET /directoryObjects/{id} and POST /directoryObjects/getByIds: any
// directory object by its ID (a user, a group or a service principal,
// with its @odata.type), as tools resolve the principalId of an
// assignment or a grant. Both need Directory.Read.All, as Microsoft's
// permission map says.

var permDirectoryRead = [2][]string{{"Directory.Read.All", "Directory.ReadWrite.All"}, {"Directory.Read.All", "Directory.ReadWrite.All"}}

func (s *Server) directoryObjectRoutes() []graphRoute {
	return []graphRoute{
		{"GET", "directoryObjects/{id}", s.graphGetDirectoryObject, optSelect},
		{"POST", "directoryObjects/getByIds", s.graphGetByIDs, 0},
	}
}

// anyObjectLocked renders the caller's tenant's object with this ID, or nil.
func (s *Server) anyObjectLocked(t *tenant, id string) map[string]any {
	id = strings.ToLower(id)
	if obj := s.directoryObjectJSON(t, id); obj != nil {
		return obj
	}
	if sp := s.dir.spByID(id); sp != nil && sp.Tenant == t.ID {
		obj := s.spJSON(sp, false)
		obj["@odata.type"] = "#microsoft.graph.servicePrincipal"
		return obj
	}
	return nil
}

func (s *Server) graphGetDirectoryObject(w http.ResponseWriter, r *http.Request, c *caller, p []string) {
	if !s.require(w, r, c, permDirectoryRead) {
		return
	}
	sel, e := selectOption(r)
	if e != nil {
		s.refuse(w, r, e)
		return
	}
	s.mu.Lock()
	obj := s.anyObjectLocked(c.tenant, p[1])
	s.mu.Unlock()
	if obj == nil {
		s.writeGraphError(w, r, 404, "Request_ResourceNotFound", "Resource '"+p[1]+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	out := selectProps(obj, sel)
	out["@odata.type"] = obj["@odata.type"]
	out["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#directoryObjects/$entity"
	writeJSON(w, http.StatusOK, out)
}

// graphGetByIDs answers the objects of ids that exist, of types when
// given ("user", "group", "servicePrincipal"); IDs that name nothing are
// left out, as Graph leaves them out. Graph takes up to 1000 IDs.
func (s *Server) graphGetByIDs(w http.ResponseWriter, r *http.Request, c *caller, _ []string) {
	if !s.require(w, r, c, permDirectoryRead) {
		return
	}
	var body struct {
		IDs   []string `json:"ids"`
		Types []string `json:"types"`
	}
	if !decodeBody(r, &body) || len(body.IDs) == 0 {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The request body must name the ids to look up.")
		return
	}
	if len(body.IDs) > 1000 {
		s.writeGraphError(w, r, 400, "Request_BadRequest", "The number of ids exceeds the limit of 1000.")
		return
	}
	s.mu.Lock()
	value := []map[string]any{}
	for _, id := range body.IDs {
		obj := s.anyObjectLocked(c.tenant, id)
		if obj == nil {
			continue
		}
		typ := strings.TrimPrefix(obj["@odata.type"].(string), "#microsoft.graph.")
		if len(body.Types) == 0 || containsFold(body.Types, typ) {
			value = append(value, obj)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": value})
}
