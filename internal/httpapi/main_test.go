package httpapi_test

import (
	"fmt"
	"os"
	"testing"

	"gatehouse/internal/httpapi"
	"gatehouse/internal/httpapi/contract"
)

// TestMain holds every request the tests send, and every response they
// get, to the OpenAPI document the server serves.
func TestMain(m *testing.M) {
	doc, err := httpapi.New(nil, nil, nil, nil).OpenAPI()
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	os.Exit(contract.Main(m, "internal/httpapi", doc))
}
