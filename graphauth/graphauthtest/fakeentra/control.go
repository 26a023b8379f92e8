package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// controlPrefix is the path every control operation lives under. The control
// API listens on a port of its own as well, so a token client pointed at the
// platform's URL can never reach it.
const controlPrefix = "/control/"

// maxControlBody bounds a control request's JSON body.
const maxControlBody = 1 << 20

//go:embed openapi.yaml
var openAPIDescription []byte

// control serves the control API of one fake server.
type control struct {
	srv *graphauthtest.Server
	ids identities // managed identities, for a trust that names one by ID
}

// controlError is a refusal of the control API, answered as
// {"error":{"code":…,"message":…}}.
type controlError struct {
	status  int
	code    string
	message string
}

func (e *controlError) Error() string { return e.message }

func badRequest(format string, args ...any) error {
	return &controlError{status: http.StatusBadRequest, code: "badRequest", message: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &controlError{status: http.StatusNotFound, code: "notFound", message: fmt.Sprintf(format, args...)}
}

// operation is one control endpoint: it reads the request and returns the
// value to answer with (nil for 204 No Content).
type operation func(r *http.Request) (any, error)

type route struct {
	method, path string
	status       int // on success with a value; 200 when zero
	op           operation
}

// handler returns the control API as an http.Handler.
func (c *control) handler() http.Handler {
	routes := c.routes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == controlPrefix+"openapi.yaml" && r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/yaml")
			_, _ = w.Write(openAPIDescription)
			return
		}
		path := strings.TrimSuffix(r.URL.Path, "/")
		methods := []string{}
		for _, rt := range routes {
			if rt.path != path {
				continue
			}
			methods = append(methods, rt.method)
			if rt.method == r.Method {
				c.serve(w, r, rt)
				return
			}
		}
		if len(methods) > 0 {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeControlError(w, &controlError{status: http.StatusMethodNotAllowed, code: "methodNotAllowed",
				message: r.Method + " is not allowed on " + path})
			return
		}
		writeControlError(w, notFound("no control operation at %s; see %sopenapi.yaml", path, controlPrefix))
	})
}

// serve runs one operation, turning the setup panics of graphauthtest (an
// unknown tenant, a duplicate ID) into 400 answers: bad input is refused,
// never fatal.
func (c *control) serve(w http.ResponseWriter, r *http.Request, rt route) {
	var (
		val any
		err error
	)
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = badRequest("%s", strings.TrimPrefix(fmt.Sprint(p), "graphauthtest: "))
			}
		}()
		val, err = rt.op(r)
	}()
	if err != nil {
		writeControlError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if val == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rt.status != 0 {
		w.WriteHeader(rt.status)
	}
	_ = json.NewEncoder(w).Encode(val)
}

func writeControlError(w http.ResponseWriter, err error) {
	var ce *controlError
	if !errors.As(err, &ce) {
		ce = &controlError{status: http.StatusInternalServerError, code: "internal", message: err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(ce.status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": ce.code, "message": ce.message}})
}

// decode reads the JSON body into v, refusing unknown fields, trailing data
// and bodies over maxControlBody. The body must be sent as
// application/json: a web page can post a form or text/plain to a loopback
// port without asking, but not JSON, which needs a CORS preflight that this
// API never grants.
func decode(r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &controlError{status: http.StatusUnsupportedMediaType, code: "unsupportedMediaType",
			message: "the body must be sent with Content-Type: application/json"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		return badRequest("reading the body: %v", err)
	}
	if len(body) > maxControlBody {
		return &controlError{status: http.StatusRequestEntityTooLarge, code: "tooLarge",
			message: fmt.Sprintf("the body is over %d bytes", maxControlBody)}
	}
	return decodeBytes(body, v)
}

func decodeBytes(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("the body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return badRequest("the body has data after its JSON value")
	}
	return nil
}

// required checks that each named field is non-empty.
func required(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if strings.TrimSpace(fields[i+1]) == "" {
			return badRequest("%s is required", fields[i])
		}
	}
	return nil
}
