// Command generate writes the client generated from the current OpenAPI
// document to the file named by its argument.
package main

import (
	"fmt"
	"os"

	"gatehouse/apiclient/internal/generate"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: generate FILE")
		os.Exit(2)
	}
	code, err := generate.Client()
	if err == nil {
		err = os.WriteFile(os.Args[1], code, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}
