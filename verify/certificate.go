package verify

import (
	"time"

	"github.com/entrakit/entrakit/registration"
)

// certificate checks the certificate the credential signs with: the file
// Config names, whose key must match, or else the one held in memory
// (Options.Certificate). The detail names its SHA-1 thumbprint in upper-case hex,
// as the portal's Certificates & secrets page lists it.
func (r *run) certificate() outcome {
	keyNote := ""
	if c := r.opts.Config; c != nil && c.CertificatePath != "" {
		cert, err := registration.LoadCertificate(r.opts.Config.CertificatePath, r.opts.Config.CertificatePassword)
		if err != nil {
			return failed(err, "")
		}
		r.cert = cert.Leaf()
		keyNote = ", key matches"
	}
	leaf := r.cert
	now := r.clockFn()
	thumb := "thumbprint " + registration.Thumbprint(leaf)
	switch {
	case now.After(leaf.NotAfter):
		d := Diagnosis{Code: "CertificateExpired", Summary: "The certificate " + registration.Thumbprint(leaf) + " expired on " + leaf.NotAfter.Format(time.DateOnly) + ".",
			Action: "Create a new certificate, upload its .cer to the app, and configure it here.", Portal: portalCreds}
		return outcome{StatusFailed, thumb + ", expired", &d}
	case now.Before(leaf.NotBefore):
		d := Diagnosis{Code: "CertificateNotYetValid", Summary: "The certificate " + registration.Thumbprint(leaf) + " is valid only from " + leaf.NotBefore.Format(time.RFC3339) + ".",
			Action: "Check the machine's clock, or use a certificate that is valid now."}
		return outcome{StatusFailed, thumb + ", not yet valid", &d}
	case now.Add(r.req.ExpiryWarning).After(leaf.NotAfter):
		d := Diagnosis{Code: "CertificateExpiring", Summary: "The certificate " + registration.Thumbprint(leaf) + " expires on " + leaf.NotAfter.Format(time.DateOnly) + ".",
			Action: "Create the next certificate and upload it before then; the old one keeps working until it expires.", Portal: portalCreds}
		return outcome{StatusWarning, thumb + ", expires " + leaf.NotAfter.Format(time.DateOnly), &d}
	}
	return ok("%s%s, valid until %s", thumb, keyNote, leaf.NotAfter.Format(time.DateOnly))
}
