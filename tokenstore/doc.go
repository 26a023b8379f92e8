// Package tokenstore holds graphauth.Store implementations for sharing
// tokens between processes: Encrypted seals every value with AES-GCM under
// the app's keys (with rotation), File keeps them in a folder for the
// processes of one host, and package redisstore keeps them in Redis for a
// fleet.
//
//	store, err := tokenstore.Encrypted(redisstore.New(rdb, "billing"), tokenstore.Key{ID: "2026-11", Secret: key})
//	cred, err := graphauth.NewClientSecretCredential(tenant, client, secret, &graphauth.Options{Store: store})
//
// A store that leaves the process must be wrapped in Encrypted: the values
// are access tokens and, for signed-in users, refresh tokens.
package tokenstore
