package verify

import (
	"sort"

	"github.com/entrakit/entrakit/internal/aadsts"
)

// CatalogCodes lists the AADSTS codes the catalog explains.
func CatalogCodes() []int {
	var out []int
	for _, e := range aadsts.All() {
		out = append(out, e.Code)
	}
	sort.Ints(out)
	return out
}
