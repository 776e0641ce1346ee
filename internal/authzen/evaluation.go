package authzen

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"

	"gatehouse/internal/gatehouse"
)

// writeJSON writes v as the JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, status = []byte(`"an internal error occurred"`), http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	w.Write(b)
}

// write answers 200 with v, saying in Server-Timing how long the server
// took (for tools that measure the decision apart from the network).
func (a *asker) write(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, "an internal error occurred")
		return
	}
	a.writeRaw(w, b)
}

// Header values set on every answer, allocated once.
var (
	contentTypeJSON = []string{"application/json"}
	noStore         = []string{"no-store"}
)

func (a *asker) writeRaw(w http.ResponseWriter, b []byte) {
	h := w.Header()
	timing := make([]byte, 0, 24)
	timing = append(timing, "app;dur="...)
	timing = strconv.AppendFloat(timing, float64(time.Since(a.start).Microseconds())/1000, 'f', 3, 64)
	h["Server-Timing"] = []string{string(timing)}
	h["Content-Type"] = contentTypeJSON
	if h["Cache-Control"] == nil {
		h["Cache-Control"] = noStore
	}
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// decisionJSON is an evaluation's answer.
type decisionJSON struct {
	Decision bool           `json:"decision"`
	Context  *answerContext `json:"context,omitempty"`
}

// evaluation answers one access evaluation: 200 with the decision, true
// or false; 400 only for a request that is not a valid one.
func (s *Server) evaluation(w http.ResponseWriter, r *http.Request, a *asker) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req evaluation
	if err := parseEvaluation(body, &req); err != nil {
		return err
	}
	return a.single(w, &req)
}

func (a *asker) single(w http.ResponseWriter, req *evaluation) error {
	if err := req.check(); err != nil {
		return err
	}
	if err := a.settle(req.Context); err != nil {
		return err
	}
	ok, err := a.evaluate(req)
	if err != nil {
		return err
	}
	// The answer is written by hand: it is the decision API's most
	// frequent, and its one string (the token) needs no escaping.
	b := make([]byte, 0, 96)
	b = append(b, `{"decision":`...)
	b = strconv.AppendBool(b, ok)
	b = append(b, `,"context":{"consistency_token":"`...)
	b = appendToken(b, a.account(), a.version)
	b = append(b, `"}}`...)
	a.writeRaw(w, b)
	return nil
}

// Evaluation semantics of an evaluations request.
const (
	executeAll          = "execute_all"
	denyOnFirstDeny     = "deny_on_first_deny"
	permitOnFirstPermit = "permit_on_first_permit"
)

// itemJSON is one evaluation's answer in a batch. Successful items carry
// no context: tools compare the array as it is.
type itemJSON struct {
	Decision bool      `json:"decision"`
	Context  *itemNote `json:"context,omitempty"`
}

type itemNote struct {
	Error  *itemError `json:"error,omitempty"`
	Code   string     `json:"code,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

type itemError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

type evaluationsJSON struct {
	Evaluations []itemJSON     `json:"evaluations"`
	Context     *answerContext `json:"context,omitempty"`
}

// evaluations answers a batch, in order. The top-level subject, action,
// resource and context are defaults an item's own member replaces whole.
// An item that is not a complete evaluation is denied with the error in
// its context; the answer stays 200. With no items it is a single
// evaluation and answers as one.
func (s *Server) evaluations(w http.ResponseWriter, r *http.Request, a *asker) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req evaluationsRequest
	if err := parseEvaluations(body, &req); err != nil {
		return err
	}
	semantic := executeAll
	if req.Options != nil && req.Options.Semantic != nil {
		semantic = *req.Options.Semantic
	}
	switch semantic {
	case executeAll, denyOnFirstDeny, permitOnFirstPermit:
	default:
		return gatehouse.Invalid("options.evaluations_semantic", "one of execute_all, deny_on_first_deny, permit_on_first_permit")
	}
	if len(req.Evaluations) == 0 {
		return a.single(w, &req.evaluation)
	}
	if len(req.Evaluations) > maxBatch {
		return gatehouse.Invalid("evaluations", "at most %d evaluations in one request", maxBatch)
	}
	items := make([]evaluation, len(req.Evaluations))
	contexts := []*reqContext{req.Context}
	for i, it := range req.Evaluations {
		items[i] = req.evaluation.with(it)
		contexts = append(contexts, items[i].Context)
	}
	if err := a.settle(contexts...); err != nil {
		return err
	}
	out := make([]itemJSON, 0, len(items))
	for i := range items {
		res, err := a.item(&items[i])
		if err != nil {
			return err
		}
		stop := semantic == denyOnFirstDeny && !res.Decision || semantic == permitOnFirstPermit && res.Decision
		if stop && semantic == denyOnFirstDeny && res.Context == nil {
			res.Context = &itemNote{Code: "200", Reason: denyOnFirstDeny}
		}
		out = append(out, res)
		if stop {
			break
		}
	}
	a.write(w, evaluationsJSON{Evaluations: out, Context: a.answerContext()})
	return nil
}

// maxBatch bounds the evaluations of one request.
const maxBatch = 1000

// with is e's defaults under item: each member the item has replaces the
// default whole.
func (e evaluation) with(item evaluation) evaluation {
	if item.Subject != nil {
		e.Subject = item.Subject
	}
	if item.Action != nil {
		e.Action = item.Action
	}
	if item.Resource != nil {
		e.Resource = item.Resource
	}
	if item.Context != nil {
		e.Context = item.Context
	}
	return e
}

// item answers one evaluation of a batch: an invalid item is a denial
// carrying its error; a store failure fails the whole request.
func (a *asker) item(e *evaluation) (itemJSON, error) {
	if err := e.check(); err != nil {
		msg := err.Error()
		if ge, ok := err.(*gatehouse.Error); ok {
			msg = ge.Message
		}
		return itemJSON{Context: &itemNote{Error: &itemError{Status: http.StatusBadRequest, Message: msg}}}, nil
	}
	ok, err := a.evaluate(e)
	return itemJSON{Decision: ok}, err
}
