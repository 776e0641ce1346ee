package authzen

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"gatehouse/internal/gatehouse"
)

// parseEvaluation reads a single evaluation request: the decision API's
// most frequent one, read by hand over the JSON tokenizer rather than by
// reflection. It holds requests to the same rules as decode: one JSON
// object, valid UTF-8, no member named twice, members of the right JSON
// type, unknown members ignored.
func parseEvaluation(body []byte, e *evaluation) error {
	p := getParser(body)
	defer putParser(p)
	err := p.evaluation(e)
	if err == nil {
		if _, end := p.d.ReadToken(); end != io.EOF {
			err = errTrailing
		}
	}
	if err != nil {
		return gatehouse.Invalid("", "the request body is not a valid request: %s", parseError(err))
	}
	return nil
}

func (p *parser) evaluation(e *evaluation) error { return p.evaluationWith(e, "", nil) }

// evaluationWith reads an evaluation object at field; other, when set,
// reads the members an evaluation does not have.
func (p *parser) evaluationWith(e *evaluation, field string, other func(name string) error) error {
	return p.object(field, func(name string) error {
		switch name {
		case "subject":
			return p.entity(field+"/subject", &e.Subject)
		case "resource":
			return p.entity(field+"/resource", &e.Resource)
		case "action":
			return p.action(field, &e.Action)
		case "context":
			return p.context(field, &e.Context)
		}
		if other != nil {
			return other(name)
		}
		return p.d.SkipValue()
	})
}

// parseEvaluations reads an evaluations request: the defaults, the items
// (each an evaluation, null read as an empty one) and the options.
func parseEvaluations(body []byte, req *evaluationsRequest) error {
	p := getParser(body)
	defer putParser(p)
	err := p.evaluationWith(&req.evaluation, "", func(name string) error {
		switch name {
		case "evaluations":
			return p.items(&req.Evaluations)
		case "options":
			return p.options(req)
		}
		return p.d.SkipValue()
	})
	if err == nil {
		if _, end := p.d.ReadToken(); end != io.EOF {
			err = errTrailing
		}
	}
	if err != nil {
		return gatehouse.Invalid("", "the request body is not a valid request: %s", parseError(err))
	}
	return nil
}

func (p *parser) items(dst *[]evaluation) error {
	if isNull, err := p.null(); isNull || err != nil {
		return err
	}
	if k := p.d.PeekKind(); k != '[' {
		return &typeError{"/evaluations", k}
	}
	if _, err := p.d.ReadToken(); err != nil {
		return err
	}
	items := []evaluation{}
	for p.d.PeekKind() != ']' {
		var e evaluation
		if isNull, err := p.null(); err != nil {
			return err
		} else if !isNull {
			if err := p.evaluationWith(&e, "/evaluations/"+strconv.Itoa(len(items)), nil); err != nil {
				return err
			}
		}
		items = append(items, e)
	}
	*dst = items
	_, err := p.d.ReadToken()
	return err
}

func (p *parser) options(req *evaluationsRequest) error {
	if isNull, err := p.null(); isNull || err != nil {
		return err
	}
	var store string
	req.Options = &evaluationOptions{}
	return p.object("/options", func(name string) error {
		if name == "evaluations_semantic" {
			return p.str(&req.Options.Semantic, &store, "/options", name)
		}
		return p.d.SkipValue()
	})
}

var errTrailing = errors.New("the body holds more than one JSON value")

// typeError names a member holding the wrong kind of JSON value.
type typeError struct {
	field string
	kind  jsontext.Kind
}

func (e *typeError) Error() string {
	kinds := map[jsontext.Kind]string{'n': "null", 'f': "boolean", 't': "boolean", '"': "string", '0': "number", '{': "object", '[': "array"}
	where := e.field
	if where == "" {
		where = "the body"
	}
	return where + " holds a JSON " + kinds[e.kind]
}

func parseError(err error) string {
	var te *typeError
	if errors.As(err, &te) {
		return te.Error()
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return "the JSON ends early"
	}
	return err.Error()
}

type parser struct {
	d *jsontext.Decoder
	r bytes.Reader
}

var parsers = sync.Pool{New: func() any {
	p := &parser{}
	p.d = jsontext.NewDecoder(&p.r, jsontext.AllowDuplicateNames(true))
	return p
}}

func getParser(body []byte) *parser {
	p := parsers.Get().(*parser)
	p.r.Reset(body)
	p.d.Reset(&p.r, jsontext.AllowDuplicateNames(true))
	return p
}

func putParser(p *parser) {
	p.r.Reset(nil)
	p.d.Reset(&p.r)
	parsers.Put(p)
}

// names are the member names of one object read so far: a name given
// twice is refused (the decoder's own check is off: this one is cheaper
// for the few members a request has).
type names struct {
	buf  [8]string
	list []string
}

// object reads an object at field, handing each member's name to member,
// which reads (or skips) its value. A name given twice is refused.
func (p *parser) object(field string, member func(name string) error) error {
	var n names
	if err := p.begin(field, &n); err != nil {
		return err
	}
	for {
		name, more, err := p.next(&n, field)
		if err != nil || !more {
			return err
		}
		if err := member(name); err != nil {
			return err
		}
	}
}

// begin reads the start of an object.
func (p *parser) begin(field string, n *names) error {
	if k := p.d.PeekKind(); k != '{' {
		if k == 0 {
			_, err := p.d.ReadToken()
			return err
		}
		return &typeError{field, k}
	}
	n.list = n.buf[:0]
	_, err := p.d.ReadToken()
	return err
}

// next reads the next member's name, or the end of the object.
func (p *parser) next(n *names, field string) (string, bool, error) {
	if p.d.PeekKind() == '}' {
		_, err := p.d.ReadToken()
		return "", false, err
	}
	tok, err := p.d.ReadToken()
	if err != nil {
		return "", false, err
	}
	name := tok.String()
	if slices.Contains(n.list, name) {
		return "", false, errors.New("the member " + field + "/" + name + " is given twice")
	}
	n.list = append(n.list, name)
	return name, true, nil
}

// null reads a null if one comes next.
func (p *parser) null() (bool, error) {
	if p.d.PeekKind() != 'n' {
		return false, nil
	}
	_, err := p.d.ReadToken()
	return true, err
}

// str reads a string member into dst (nil for a null).
func (p *parser) str(dst **string, store *string, field, member string) error {
	if k := p.d.PeekKind(); k != '"' {
		if k == 'n' {
			_, err := p.d.ReadToken()
			return err
		}
		return &typeError{field + "/" + member, k}
	}
	tok, err := p.d.ReadToken()
	if err != nil {
		return err
	}
	*store = tok.String()
	*dst = store
	return nil
}

// properties reads a properties member: kept only to check it is an
// object.
func (p *parser) properties(dst *jsontext.Value, field string) error {
	v, err := p.d.ReadValue()
	if err != nil {
		return err
	}
	if k := v.Kind(); k != '{' && k != 'n' {
		return &typeError{field + "/properties", k}
	}
	*dst = emptyObject
	return nil
}

var emptyObject = jsontext.Value(`{}`)

// parsedEntity is an entity with room for its strings, so that reading
// one allocates once.
type parsedEntity struct {
	entity
	typ, id string
}

func (p *parser) entity(field string, dst **entity) error {
	if isNull, err := p.null(); isNull || err != nil {
		return err
	}
	pe := &parsedEntity{}
	*dst = &pe.entity
	return p.object(field, func(name string) error {
		switch name {
		case "type":
			return p.str(&pe.Type, &pe.typ, field, name)
		case "id":
			return p.str(&pe.ID, &pe.id, field, name)
		case "properties":
			return p.properties(&pe.Properties, field)
		}
		return p.d.SkipValue()
	})
}

type parsedAction struct {
	action
	name string
}

func (p *parser) action(field string, dst **action) error {
	if isNull, err := p.null(); isNull || err != nil {
		return err
	}
	pa := &parsedAction{}
	*dst = &pa.action
	field += "/action"
	return p.object(field, func(name string) error {
		switch name {
		case "name":
			return p.str(&pa.Name, &pa.name, field, name)
		case "properties":
			return p.properties(&pa.Properties, field)
		}
		return p.d.SkipValue()
	})
}

type parsedContext struct {
	reqContext
	token string
}

func (p *parser) context(field string, dst **reqContext) error {
	if isNull, err := p.null(); isNull || err != nil {
		return err
	}
	pc := &parsedContext{}
	*dst = &pc.reqContext
	field += "/context"
	return p.object(field, func(name string) error {
		if name == "at_least_as_fresh" {
			return p.str(&pc.AtLeastAsFresh, &pc.token, field, name)
		}
		return p.d.SkipValue()
	})
}
