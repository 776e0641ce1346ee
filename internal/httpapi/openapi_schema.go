package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
	"gatehouse/internal/records"
)

// The schemas of the OpenAPI document come from the Go types the
// handlers decode and encode, read by reflection, so a field added to a
// type is in the document at once. Struct tags add what a type cannot
// say:
//
//	doc:"…"        the field's description
//	example:"…"    an example value (of the items, for a list)
//	enum:"a,b"     the allowed values (of the items, for a list); "codes",
//	               "permissions" and "hits" name lists kept elsewhere
//	required:"true" a request member that must be present (in responses,
//	               every member without omitempty is)
//	min, max, maxLength  bounds of a number or a string
//	schema:"id"    an interface{} field holding an ID
//	nullable:"true" null is a value (pointers always are)
//
// Record modules describe their schemas from their field lists.

// describer is a body whose schema is data rather than a Go type.
type describer interface {
	schema(g *schemaGen) map[string]any
}

// media is a body that is not JSON.
type media struct{ Type, Description string }

// anyObject is a free-form JSON object.
type anyObject struct{ Description string }

func (a anyObject) schema(*schemaGen) map[string]any {
	return map[string]any{"type": "object", "description": a.Description, "additionalProperties": true}
}

// schemaGen collects the component schemas of one document.
type schemaGen struct {
	components map[string]any
	built      map[string]string // component name → the type (and direction) it was built from
}

func newSchemaGen() *schemaGen {
	return &schemaGen{components: map[string]any{}, built: map[string]string{}}
}

// direction tells request members (required only when tagged) from
// response members (required unless omitempty).
type direction int

const (
	inRequest direction = iota
	inResponse
)

func (d direction) String() string { return [...]string{"request", "response"}[d] }

var (
	idType        = reflect.TypeFor[ID]()
	timeType      = reflect.TypeFor[time.Time]()
	rawJSONType   = reflect.TypeFor[json.RawMessage]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// exampleTime is the example of every timestamp, exampleCursor of
// every next_cursor.
const (
	exampleTime   = "2026-01-31T09:30:00Z"
	exampleCursor = "2s.QWNtZSBEZW50YWw"
)

// body is the schema of a request or response body value.
func (g *schemaGen) body(v any, dir direction) map[string]any {
	if d, ok := v.(describer); ok {
		return d.schema(g)
	}
	return g.typ(reflect.TypeOf(v), dir)
}

func idSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": "^[0-9]+$", "description": "an id: a string of digits", "example": "42"}
}

func (g *schemaGen) typ(t reflect.Type, dir direction) map[string]any {
	switch t {
	case idType:
		return idSchema()
	case timeType:
		return map[string]any{"type": "string", "format": "date-time", "example": exampleTime}
	case rawJSONType:
		return map[string]any{"type": "object", "additionalProperties": true, "example": map[string]any{"name": "Helpdesk"}}
	}
	if t.Implements(marshalerType) && t.Kind() != reflect.Pointer {
		panic(fmt.Sprintf("openapi: %s writes its own JSON; describe the field with a schema tag", t))
	}
	switch t.Kind() {
	case reflect.Pointer:
		return nullable(g.typ(t.Elem(), dir))
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return map[string]any{"type": "integer", "format": "int32"}
	case reflect.Int64, reflect.Uint64, reflect.Uint:
		return map[string]any{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.typ(t.Elem(), dir)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.typ(t.Elem(), dir)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t, dir)
		}
		return g.component(componentName(t), fmt.Sprintf("%s as a %s", t, dir), func() map[string]any { return g.object(t, dir) })
	}
	panic(fmt.Sprintf("openapi: no schema for %s", t))
}

// component registers a named schema once and refers to it. The same
// name built twice must come out the same: a type used as a request and
// as a response with different rules needs two types.
func (g *schemaGen) component(name, key string, build func() map[string]any) map[string]any {
	if prev, ok := g.built[name]; ok {
		if prev != key {
			if s := build(); !reflect.DeepEqual(s, g.components[name]) {
				panic(fmt.Sprintf("openapi: schema %s is built from %s and %s, differently", name, prev, key))
			}
		}
		return ref(name)
	}
	g.built[name] = key
	g.components[name] = map[string]any{} // a placeholder, for types that refer to themselves
	g.components[name] = build()
	return ref(name)
}

// componentName is a type's schema name: customerJSON is Customer,
// list[customerJSON] is CustomerList.
func componentName(t reflect.Type) string {
	name := t.Name()
	if strings.HasPrefix(name, "list[") {
		return componentName(t.Field(0).Type.Elem()) + "List"
	}
	name = strings.TrimSuffix(name, "JSON")
	return strings.ToUpper(name[:1]) + name[1:]
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

// nullable lets a schema also be null; a reference is wrapped, as
// OpenAPI 3.0 ignores the siblings of $ref.
func nullable(s map[string]any) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		return map[string]any{"allOf": []any{s}, "nullable": true}
	}
	s["nullable"] = true
	return s
}

// object describes a struct: its JSON members, flattened like
// encoding/json flattens embedded structs.
func (g *schemaGen) object(t reflect.Type, dir direction) map[string]any {
	props := map[string]any{}
	var required []string
	g.members(t, dir, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (g *schemaGen) members(t reflect.Type, dir direction, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			g.members(f.Type, dir, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.member(f, dir)
		omit := strings.Contains(opts, "omitempty")
		if f.Tag.Get("required") == "true" || (dir == inResponse && !omit) {
			*required = append(*required, name)
		}
	}
}

// member is one field's schema with its tags applied.
func (g *schemaGen) member(f reflect.StructField, dir direction) map[string]any {
	var s map[string]any
	switch f.Tag.Get("schema") {
	case "id":
		s = idSchema()
	case "record":
		s = moduleRecord{records.MustLookup(f.Tag.Get("module"))}.schema(g)
	default:
		s = g.typ(f.Type, dir)
	}
	if f.Tag.Get("nullable") == "true" && s["nullable"] == nil {
		s = nullable(s)
	}
	if _, isRef := s["$ref"]; isRef && f.Tag.Get("doc") != "" {
		s = map[string]any{"allOf": []any{s}} // 3.0 ignores the siblings of $ref
	}
	target := s // enum, example and bounds describe a list's items
	if items, ok := s["items"].(map[string]any); ok && s["type"] == "array" {
		target = items
	}
	if d := f.Tag.Get("doc"); d != "" {
		s["description"] = d
	}
	if e := f.Tag.Get("enum"); e != "" {
		target["enum"] = enumValues(e)
	}
	if e, ok := f.Tag.Lookup("example"); ok {
		if target, isList := s["items"].(map[string]any); isList {
			first, _, _ := strings.Cut(e, ",")
			target["example"] = exampleValue(target, first)
			var all []any
			for _, v := range strings.Split(e, ",") {
				all = append(all, exampleValue(target, v))
			}
			s["example"] = all
		} else {
			s["example"] = exampleValue(s, e)
		}
	}
	for _, b := range []string{"min", "max", "maxLength"} {
		if v := f.Tag.Get(b); v != "" {
			n, _ := strconv.Atoi(v)
			target[map[string]string{"min": "minimum", "max": "maximum", "maxLength": "maxLength"}[b]] = n
		}
	}
	return s
}

func enumValues(tag string) []string {
	switch tag {
	case "codes":
		return gatehouse.Codes()
	case "permissions":
		var keys []string
		for _, p := range catalog.All() {
			keys = append(keys, p.Key)
		}
		return keys
	case "hits":
		keys := []string{"customers"}
		for _, m := range records.All() {
			keys = append(keys, m.Key)
		}
		return keys
	}
	return strings.Split(tag, ",")
}

// exampleValue reads an example tag as the schema's type.
func exampleValue(s map[string]any, v string) any {
	switch s["type"] {
	case "integer":
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	case "boolean":
		return v == "true"
	case "object":
		var obj any
		if err := json.Unmarshal([]byte(v), &obj); err != nil {
			panic(fmt.Sprintf("openapi: example %q is not a JSON object", v))
		}
		return obj
	}
	return v
}

// requires is a request body of v's type that must carry the named
// members: a create sharing its type with the update, where the update
// may leave them out.
func requires(v any, name string, members ...string) describer {
	return required{v, name, members}
}

type required struct {
	v       any
	name    string
	members []string
}

func (r required) schema(g *schemaGen) map[string]any {
	t := reflect.TypeOf(r.v)
	return g.component(r.name, "required "+t.String(), func() map[string]any {
		s := g.object(t, inRequest)
		req, _ := s["required"].([]string)
		s["required"] = append(req, r.members...)
		for _, m := range r.members {
			delete(s["properties"].(map[string]any)[m].(map[string]any), "nullable") // required means given
		}
		return s
	})
}

// The module records: their schemas come from the module descriptions.

// moduleRecord is one record of a module, as every route returns it.
type moduleRecord struct{ m *records.Module }

// moduleList is a page of a module's records.
type moduleList struct{ m *records.Module }

// moduleCreate and moduleUpdate are a module's create and update bodies.
type moduleCreate struct{ m *records.Module }
type moduleUpdate struct{ m *records.Module }

func (r moduleRecord) schema(g *schemaGen) map[string]any {
	return g.component(schemaName(r.m), "module "+r.m.Key, func() map[string]any { return recordSchema(r.m) })
}

func (l moduleList) schema(g *schemaGen) map[string]any {
	return g.component(schemaName(l.m)+"List", "module list "+l.m.Key, func() map[string]any {
		s := listSchema(moduleRecord(l).schema(g))
		props := s["properties"].(map[string]any)
		props["prev_cursor"] = map[string]any{"type": "string", "nullable": true,
			"description": "pass as cursor= for the page before; null on the first", "example": exampleCursor}
		props["total"] = map[string]any{"type": "integer", "description": "with total=true: the matching records, counted up to 1,000", "example": 42}
		props["total_capped"] = map[string]any{"type": "boolean", "description": "with total=true: the count stopped at 1,000; there are at least that many"}
		return s
	})
}

// moduleListQuery are a module list's parameters: every list's, plus its
// sort keys, the order, one customer, each filterable field and a total.
func moduleListQuery(m *records.Module) []Param {
	q := append([]Param{}, listQuery...)
	q = append(q,
		Param{Name: "sort", Enum: m.SortKeys(), Doc: "the sort key; ties break by id"},
		Param{Name: "order", Enum: []string{"asc", "desc"}, Doc: "the sort direction (default: the key's own)"},
		Param{Name: "customer_id", Doc: "one customer's records; one outside the caller's scope lists nothing", Example: "7"},
		Param{Name: "total", Type: "boolean", Doc: "count the matching records, up to 1,000"})
	for _, f := range m.FilterFields() {
		q = append(q, Param{Name: f.Name, Enum: f.Enum, Doc: "only records whose " + f.Name + " is this"})
	}
	return q
}

func (c moduleCreate) schema(g *schemaGen) map[string]any {
	return g.component(schemaName(c.m)+"Create", "module create "+c.m.Key, func() map[string]any { return inputSchema(c.m, true) })
}

func (u moduleUpdate) schema(g *schemaGen) map[string]any {
	return g.component(schemaName(u.m)+"Update", "module update "+u.m.Key, func() map[string]any { return inputSchema(u.m, false) })
}

// listSchema is the shape of every list response.
func listSchema(item map[string]any) map[string]any {
	return map[string]any{"type": "object", "additionalProperties": false, "required": []string{"items", "next_cursor"},
		"properties": map[string]any{
			"items":       map[string]any{"type": "array", "items": item},
			"next_cursor": map[string]any{"type": "string", "nullable": true, "description": "pass as cursor= for the next page; null on the last", "example": exampleCursor},
		}}
}

func schemaName(m *records.Module) string {
	name := ""
	for _, w := range strings.FieldsFunc(m.Noun, func(r rune) bool { return r == ' ' || r == '_' }) {
		name += strings.ToUpper(w[:1]) + w[1:]
	}
	return name
}

func recordSchema(m *records.Module) map[string]any {
	idNull := nullable(idSchema())
	idNull["description"] = "the owning customer; null for a shared-library or account-level record"
	props := map[string]any{"id": idSchema(), "customer_id": idNull,
		"created_at": map[string]any{"type": "string", "format": "date-time", "example": exampleTime},
		"updated_at": map[string]any{"type": "string", "format": "date-time", "example": exampleTime}}
	required := []string{"id", "customer_id", "created_at", "updated_at"}
	for _, f := range m.Fields {
		props[f.Name] = fieldSchema(f, false)
		required = append(required, f.Name)
	}
	if m.Lines {
		props["lines"] = map[string]any{"type": "array", "items": lineSchema(true), "description": "the line items; in a list, only when loaded"}
	}
	if m.Secret {
		props["has_secret"] = map[string]any{"type": "boolean", "example": true, "description": "a secret is stored; reveal it through its own audited route"}
		required = append(required, "has_secret")
	}
	slices.Sort(required)
	return map[string]any{"type": "object", "additionalProperties": false, "properties": props, "required": required,
		"description": fmt.Sprintf("%s %s record", article(m.Noun), m.Noun)}
}

func inputSchema(m *records.Module, create bool) map[string]any {
	props := map[string]any{}
	var required []string
	if create && m.HasCustomerInput() {
		c := nullable(idSchema())
		c["description"] = "the owning customer; fixed after creation"
		props["customer_id"] = c
		if m.Ownership == records.CustomerRequired {
			required = append(required, "customer_id")
		}
	}
	for _, f := range m.Fields {
		if f.ReadOnly || (f.Fixed && !create) {
			continue
		}
		props[f.Name] = fieldSchema(f, true)
		if create && f.Required {
			required = append(required, f.Name)
		}
	}
	if m.Lines {
		props["lines"] = map[string]any{"type": "array", "items": lineSchema(false), "description": "replaces every line item"}
	}
	if m.Secret {
		props["secret"] = map[string]any{"type": "string", "maxLength": 10000, "writeOnly": true, "example": "s3cret-passw0rd",
			"description": "encrypted at rest; revealed only through its own audited route"}
	}
	s := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		s["required"] = required
	}
	return s
}

func lineSchema(out bool) map[string]any {
	props := map[string]any{
		"description": map[string]any{"type": "string", "maxLength": 500, "example": "Managed backup, per server"},
		"quantity":    map[string]any{"type": "integer", "format": "int64", "example": 2},
		"unit_price":  map[string]any{"type": "integer", "format": "int64", "description": "integer minor units", "example": 2500},
	}
	required := []string{"description", "quantity", "unit_price"}
	if out {
		props["amount"] = map[string]any{"type": "integer", "format": "int64", "description": "quantity × unit price, minor units", "example": 5000}
		required = append(required, "amount")
	}
	return map[string]any{"type": "object", "additionalProperties": false, "properties": props, "required": required}
}

// fieldSchema describes one module field as the API writes it (and, in
// a request, reads it).
func fieldSchema(f records.Field, in bool) map[string]any {
	s := map[string]any{}
	switch f.Kind {
	case records.Int, records.Money:
		s["type"], s["format"], s["example"] = "integer", "int64", max(f.Min, 1)
		if f.Kind == records.Money {
			s["description"], s["example"] = "integer minor units (cents)", 12500
		}
		if in && f.Min != 0 {
			s["minimum"] = f.Min
		}
		if in && f.Kind == records.Int && f.Max > 0 {
			s["maximum"] = f.Max
		}
	case records.Bool:
		s["type"], s["example"] = "boolean", true
	case records.Ref, records.UserRef:
		s = nullable(idSchema())
		s["description"] = "the id of " + refNoun(f) + ", or null"
	case records.Time:
		s["type"], s["format"], s["example"] = "string", "date-time", exampleTime
		s["nullable"] = true
	case records.Date:
		s["type"], s["pattern"], s["example"] = "string", `^([0-9]{4}-[0-9]{2}-[0-9]{2})?$`, "2026-02-15"
		s["description"] = "YYYY-MM-DD, or empty"
	case records.JSONDoc:
		s["type"], s["additionalProperties"], s["example"] = "object", true, map[string]any{"firewall": "on"}
		s["description"] = "any JSON object, kept as sent"
	case records.Enum:
		s["type"], s["enum"], s["example"] = "string", f.Enum, f.Enum[0]
	case records.Email:
		s["type"], s["example"], s["description"] = "string", "ann@acme.example", "an email address, or empty"
	case records.Currency:
		s["type"], s["example"], s["description"] = "string", "USD", "an ISO 4217 currency code"
	default:
		s["type"], s["example"] = "string", exampleText(f.Name)
		if in && f.Max > 0 {
			s["maxLength"] = f.Max
		}
	}
	if f.ReadOnly {
		s["readOnly"] = true
	}
	return s
}

func refNoun(f records.Field) string {
	if f.Kind == records.UserRef {
		return "a user"
	}
	if m, ok := records.Lookup(f.Ref); ok {
		return article(m.Noun) + " " + m.Noun
	}
	return "a record"
}

// exampleText is an example for a text field, by its name.
func exampleText(name string) string {
	switch {
	case strings.Contains(name, "name"), name == "title", name == "subject":
		return "Acme Dental front desk"
	case name == "number":
		return "INV-1042"
	case name == "url":
		return "https://portal.acme.example"
	case name == "phone":
		return "+1 555 0100"
	}
	return "Replaced the toner and tested a print"
}

func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an"
	}
	return "a"
}
