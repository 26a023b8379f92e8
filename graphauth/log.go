package graphauth

import "log/slog"

const (
	levelDebug = slog.LevelDebug
	levelWarn  = slog.LevelWarn
)

func levelFor(e *AuthError) slog.Level {
	if e.Retryable() {
		return slog.LevelWarn
	}
	return slog.LevelError
}

// logAttrs are the attributes every record carries: which credential and
// which key. None of them is secret.
func logAttrs(c *credential, e *entry, kv ...any) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("credential", c.kind),
		slog.String("client_id", c.clientID),
		slog.String("tenant", e.tenant),
		slog.Any("scopes", e.scopes),
	}
	if r, ok := v1Resource(e.scopes); ok {
		attrs[3] = slog.String("resource", r)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		key, _ := kv[i].(string)
		attrs = append(attrs, slog.Any(key, kv[i+1]))
	}
	return attrs
}
