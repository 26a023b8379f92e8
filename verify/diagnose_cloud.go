package verify

import (
	"strings"

	"github.com/entrakit/entrakit/graphauth"
)

// DiagnoseIn is Diagnose for an app in cloud: the Command it suggests (an
// admin consent URL, a Graph call) names that cloud's authority host and
// Graph endpoint instead of the public cloud's, so that an administrator of
// a US Government or China tenant can run it as written. A zero cloud is
// the public one.
func DiagnoseIn(err error, cloud graphauth.Cloud) Diagnosis {
	return Diagnose(err).in(cloud)
}

// in rewrites d's Command for cloud.
func (d Diagnosis) in(cloud graphauth.Cloud) Diagnosis {
	if d.Command == "" {
		return d
	}
	var pairs []string
	if h := strings.TrimSuffix(cloud.AuthorityHost, "/"); h != "" && h != graphauth.AzurePublic.AuthorityHost {
		pairs = append(pairs, graphauth.AzurePublic.AuthorityHost, h)
	}
	if g := strings.TrimSuffix(cloud.GraphEndpoint, "/"); g != "" && g != graphauth.AzurePublic.GraphEndpoint {
		pairs = append(pairs, graphauth.AzurePublic.GraphEndpoint, g)
	}
	if len(pairs) > 0 {
		d.Command = strings.NewReplacer(pairs...).Replace(d.Command)
	}
	return d
}
