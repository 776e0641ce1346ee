// Package generate builds the client from the OpenAPI document the
// server serves.
package generate

import (
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"gatehouse/internal/httpapi"
)

// Client returns the source of client.gen.go.
func Client() ([]byte, error) {
	doc, err := httpapi.New(nil, nil, nil, nil).OpenAPI()
	if err != nil {
		return nil, err
	}
	spec, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		return nil, err
	}
	code, err := codegen.Generate(spec, codegen.Configuration{
		PackageName: "apiclient",
		Generate:    codegen.GenerateOptions{Client: true, Models: true},
	}.UpdateDefaults())
	return []byte(code), err
}
