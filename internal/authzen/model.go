package authzen

import (
	"bytes"
	"io"
	"mime"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"gatehouse/internal/gatehouse"
)

// The AuthZEN information model as requests carry it. Pointers tell an
// absent (or null) member from an empty one; unknown members are ignored,
// as the specification requires, while duplicate names, invalid UTF-8
// and members of the wrong JSON type are refused.

// entity is a subject or a resource.
type entity struct {
	Type       *string        `json:"type"`
	ID         *string        `json:"id"`
	Properties jsontext.Value `json:"properties"`
}

// action is what the subject would do.
type action struct {
	Name       *string        `json:"name"`
	Properties jsontext.Value `json:"properties"`
}

// reqContext is the request's context; Gatehouse reads one member.
type reqContext struct {
	// AtLeastAsFresh is a consistency token of an earlier answer: the
	// answer must come from grants at least that fresh.
	AtLeastAsFresh *string `json:"at_least_as_fresh"`
}

// evaluation is one access evaluation request, and the defaults of an
// evaluations request.
type evaluation struct {
	Subject  *entity     `json:"subject"`
	Action   *action     `json:"action"`
	Resource *entity     `json:"resource"`
	Context  *reqContext `json:"context"`
}

// evaluationsRequest is a batch: the top-level members are defaults that
// an item's member replaces whole.
type evaluationsRequest struct {
	evaluation
	Evaluations []evaluation       `json:"evaluations"`
	Options     *evaluationOptions `json:"options"`
}

type evaluationOptions struct {
	Semantic *string `json:"evaluations_semantic"`
}

// searchRequest is a subject, resource or action search.
type searchRequest struct {
	evaluation
	Page *pageRequest `json:"page"`
}

type pageRequest struct {
	Token *string `json:"token"`
	Limit *int    `json:"limit"`
}

// maxBody is the largest request the decision API reads.
const maxBody = 1 << 20

// decode reads a JSON object body into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return gatehouse.Invalid("", "the request body is not a valid request: %s", jsonError(err))
	}
	return nil
}

// readBody reads a request's JSON body: application/json, not empty, at
// most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, gatehouse.Invalid("", "send the body as Content-Type: application/json")
		}
	}
	if r.ContentLength > maxBody {
		return nil, gatehouse.Errorf(gatehouse.ETooLarge, "the request body is over %d bytes", maxBody)
	}
	var body []byte
	var err error
	if r.ContentLength > 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	}
	if err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return nil, gatehouse.Errorf(gatehouse.ETooLarge, "the request body is over %d bytes", maxBody)
		}
		return nil, gatehouse.Invalid("", "the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, gatehouse.Invalid("", "the request body is empty; send a JSON object")
	}
	return body, nil
}

// jsonError says what was wrong with the body without Go type names.
func jsonError(err error) string {
	var se *json.SemanticError
	if errorsAs(err, &se) {
		where := string(se.JSONPointer)
		if where == "" {
			where = "the body"
		}
		kind := "a value of the wrong type"
		if se.JSONKind != 0 {
			kind = "a JSON " + se.JSONKind.String()
		}
		return where + " holds " + kind
	}
	return err.Error()
}

// check validates an entity: an object with a non-empty string type and,
// unless the id may be left out, a non-empty string id; properties, when
// given, an object.
func (e *entity) check(field string, needID bool) error {
	switch {
	case e == nil:
		return gatehouse.Invalid(field, "%s is required", field)
	case e.Type == nil || *e.Type == "":
		return gatehouse.Invalid(field+".type", "%s.type is required", field)
	case needID && (e.ID == nil || *e.ID == ""):
		return gatehouse.Invalid(field+".id", "%s.id is required", field)
	}
	return checkObject(field, ".properties", e.Properties)
}

func (a *action) check() error {
	if a == nil {
		return gatehouse.Invalid("action", "action is required")
	}
	if a.Name == nil || *a.Name == "" {
		return gatehouse.Invalid("action.name", "action.name is required")
	}
	return checkObject("action", ".properties", a.Properties)
}

func checkObject(field, member string, v jsontext.Value) error {
	if len(v) == 0 || v.Kind() == 'n' || v.Kind() == '{' {
		return nil
	}
	return gatehouse.Invalid(field+member, "%s%s must be an object", field, member)
}

// check validates a complete evaluation.
func (e *evaluation) check() error {
	if err := e.Subject.check("subject", true); err != nil {
		return err
	}
	if err := e.Action.check(); err != nil {
		return err
	}
	return e.Resource.check("resource", true)
}
