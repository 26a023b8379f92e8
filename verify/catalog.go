package verify

import "github.com/entrakit/entrakit/internal/aadsts"

// Where in the Microsoft Entra admin center; the AADSTS table itself lives
// in internal/aadsts, shared with graphauth and consent.
const (
	portalCreds = aadsts.PortalCreds
	portalAPI   = aadsts.PortalAPI
	portalOver  = aadsts.PortalOver
	portalAuth  = aadsts.PortalAuth
)
