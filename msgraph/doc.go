// Package msgraph is the kit's one Microsoft Graph client: the registration,
// verify and consent packages send their Graph calls through it, and a
// product can read the directory with it without a second SDK.
//
//	c, err := msgraph.NewClient(cred, &msgraph.Options{TenantID: tenant})
//	for user, err := range msgraph.All[User](ctx, c, "/users?$select=id,displayName") {
//		if err != nil { ... } // a *GraphError, or the context's error
//		...
//	}
//
// Paging follows Graph's absolute @odata.nextLink as it is, and only to the
// host the client was configured for: a nextLink to any other host is
// refused with ErrForeignLink. The bearer token is never sent elsewhere: a
// redirect to another host (a report's download URL) is followed over
// https without it.
// A 429 or a 503 is sent again after the Retry-After Graph asks for, when
// that wait ends before the context's deadline; otherwise the caller gets
// the *GraphError at once, with RetryAfter set. Refusals are *GraphError,
// parsed from Graph's error body ({"error":{"code","message","innerError"}});
// a 403 names the permissions the call needs, from Microsoft's permission
// map. ParseGraphError does the same for an answer received by other means.
// An advanced query ($count=true, $search, /$count) goes with
// ConsistencyLevel: eventual, as Graph needs on directory objects, and a
// 401 claims challenge (continuous access evaluation) is answered with a
// token for the claims and the request once more.
//
// Each request is a client span when Options.TracerProvider is set, named
// after the method and the call's path template (never its IDs or query),
// with the status, Graph's error code and request-id as attributes.
package msgraph
