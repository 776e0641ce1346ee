package apiclient

import (
	"bytes"
	"os"
	"testing"

	"gatehouse/apiclient/internal/generate"
)

func TestTheGeneratedClientIsCurrent(t *testing.T) {
	code, err := generate.Client()
	if err != nil {
		t.Fatalf("generate the client: %v", err)
	}
	have, err := os.ReadFile("client.gen.go")
	if err != nil || !bytes.Equal(have, code) {
		t.Fatal("client.gen.go is not what the current OpenAPI document generates; run go generate ./... in apiclient")
	}
}
