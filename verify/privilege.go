package verify

import (
	"slices"
	"strings"

	"github.com/entrakit/entrakit/registration"
)

// PrivilegeReport compares the permissions an app holds with the least
// privileged set that the calls it makes need, from Microsoft's permission
// map (registration.LeastPrivilegeSet, or a Recorder run over the
// product's tests). Its JSON field names are stable.
type PrivilegeReport struct {
	Scheme  string              `json:"scheme"` // "Application", "DelegatedWork" or "DelegatedPersonal"
	Missing []MissingPermission `json:"missing,omitempty"`
	Excess  []ExcessPermission  `json:"excess,omitempty"`
}

// MissingPermission is a permission to grant, with the calls that fail
// without it.
type MissingPermission struct {
	Permission string   `json:"permission"`
	Calls      []string `json:"calls"` // "GET /groups/{id}/members"
}

// ExcessPermission is a permission the app holds beyond what its calls
// need: none of them needs it (Instead is empty), or the ones it allows
// need only the less privileged permissions of Instead.
type ExcessPermission struct {
	Permission string   `json:"permission"`
	Instead    []string `json:"instead,omitempty"`
	Calls      []string `json:"calls,omitempty"` // the calls made that it allows
}

// OK reports whether the app holds what its calls need and nothing more.
func (r PrivilegeReport) OK() bool { return len(r.Missing) == 0 && len(r.Excess) == 0 }

// Warnings are the report as lines an administrator can act on:
// "missing GroupMember.Read.All, which GET /groups/{id}/members needs",
// "has Group.ReadWrite.All; the calls made need only GroupMember.Read.All".
func (r PrivilegeReport) Warnings() []string {
	var out []string
	for _, m := range r.Missing {
		verb := "needs"
		if len(m.Calls) > 1 {
			verb = "need"
		}
		out = append(out, "missing "+m.Permission+", which "+strings.Join(m.Calls, ", ")+" "+verb)
	}
	for _, e := range r.Excess {
		if len(e.Instead) == 0 {
			out = append(out, "has "+e.Permission+"; no call made needs it")
		} else {
			out = append(out, "has "+e.Permission+"; the calls made need only "+strings.Join(e.Instead, " and "))
		}
	}
	return out
}

// ComparePermissions compares granted (permission names, as in a token's
// roles or scp) with need. A call that no granted permission allows makes
// the permissions of need that it lacks missing. A granted permission is
// excess when need does not hold it and either no call needs it, or each
// call it allows is allowed by a permission of need that Microsoft's map
// ranks less privileged (registration.ComparePrivilege); one that is as
// narrow as need's for some call is another acceptable choice, not excess.
func ComparePermissions(need registration.PermissionSet, granted []string) PrivilegeReport {
	r := PrivilegeReport{Scheme: need.Scheme.String()}
	missing := map[string][]string{}
	var order []string
	for _, c := range need.Calls {
		if c.AllowedBy(granted) {
			continue
		}
		for _, p := range toGrant(need, c, granted) {
			if _, ok := missing[p]; !ok {
				order = append(order, p)
			}
			missing[p] = append(missing[p], c.Method+" "+c.Template())
		}
	}
	for _, p := range order {
		r.Missing = append(r.Missing, MissingPermission{Permission: p, Calls: missing[p]})
	}
	seen := map[string]bool{}
	for _, g := range granted {
		if seen[strings.ToLower(g)] || containsFold(need.Names(), g) {
			continue
		}
		seen[strings.ToLower(g)] = true
		if e, ok := excess(need, g); ok {
			r.Excess = append(r.Excess, e)
		}
	}
	return r
}

// toGrant picks the permissions of need that, added to granted, allow c:
// one if one does, else the pair (a permission and one it also requires).
func toGrant(need registration.PermissionSet, c registration.CallPermissions, granted []string) []string {
	var add []string
	for _, p := range need.Permissions {
		if !containsFold(granted, p.Value) {
			add = append(add, p.Value)
		}
	}
	for _, p := range add {
		if c.AllowedBy(append(slices.Clone(granted), p)) {
			return []string{p}
		}
	}
	for i, p := range add {
		for _, q := range add[i+1:] {
			if c.AllowedBy(append(slices.Clone(granted), p, q)) {
				return []string{p, q}
			}
		}
	}
	out := []string{c.Least.Value}
	if len(c.AlsoRequires) > 0 {
		out = append(out, c.AlsoRequires[0].Value)
	}
	return out
}

// excess decides whether the granted permission g, which need does not
// hold, is more than the calls need.
func excess(need registration.PermissionSet, g string) (ExcessPermission, bool) {
	e := ExcessPermission{Permission: g}
	gp, err := registration.GraphPermission(need.Scheme.Kind(), g)
	if err != nil {
		return e, true // not a Graph permission of this kind: no call needs it
	}
	e.Permission = gp.Value
	for _, c := range need.Calls {
		if !allows(c, gp) {
			continue
		}
		e.Calls = append(e.Calls, c.Method+" "+c.Template())
		narrower := ""
		for _, q := range need.Permissions {
			if allows(c, q) && registration.ComparePrivilege(need.Scheme, q, gp) < 0 {
				narrower = q.Value
				break
			}
		}
		if narrower == "" {
			return ExcessPermission{}, false // as narrow as what the set has for this call
		}
		if !slices.Contains(e.Instead, narrower) {
			e.Instead = append(e.Instead, narrower)
		}
	}
	return e, true
}

// allows reports whether p is one of the permissions that allow c.
func allows(c registration.CallPermissions, p registration.Permission) bool {
	for _, a := range c.Alternatives() {
		if a.Permission.ID == p.ID {
			return true
		}
	}
	return false
}

// leastPrivilege is Run's check of the token's permissions against
// Requirements.LeastPrivilege.
func (r *run) leastPrivilege() outcome {
	need := r.req.LeastPrivilege
	granted := r.roles()
	if need.Scheme != registration.SchemeApplication {
		scp, _ := r.token["scp"].(string)
		granted = strings.Fields(scp)
	}
	rep := ComparePermissions(need, granted)
	calls := len(need.Calls)
	switch {
	case len(rep.Missing) > 0:
		var names []string
		for _, m := range rep.Missing {
			names = append(names, m.Permission)
		}
		d := Diagnosis{Code: "PermissionsMissing", Missing: names, Privilege: &rep,
			Summary: "Calls the product makes need permissions that the token lacks, per Microsoft's permission map; they fail with 403.",
			Action:  "Grant " + strings.Join(names, " and ") + " (admin consent), then get a new token.", Portal: portalAPI}
		return outcome{StatusFailed, strings.Join(rep.Warnings(), "; "), &d}
	case len(rep.Excess) > 0:
		d := Diagnosis{Code: "PermissionsExcess", Privilege: &rep,
			Summary: "The app holds more than the calls it makes need, per Microsoft's permission map: administrators refuse over-privileged apps.",
			Action:  "Remove the excess permissions from the app's API permissions and revoke their consent; grant the narrower ones named instead.",
			Portal:  portalAPI}
		return outcome{StatusWarning, strings.Join(rep.Warnings(), "; "), &d}
	}
	return ok("%s allow the %d calls made, and no more", listOr(need.Names(), "no permissions"), calls)
}
