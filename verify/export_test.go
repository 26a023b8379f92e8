package verify

import "sort"

// CatalogCodes lists the AADSTS codes the catalog explains.
func CatalogCodes() []int {
	var out []int
	for n := range aadsts {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}
