package httpapi_test

import (
	"bytes"
	"testing"

	"gatehouse/internal/sqldb/dbtest"
)

// A secret is revealed only to whom the credential itself is visible:
// credentials.reveal without credentials.view answers like a missing one.
func TestRevealingASecretNeedsTheCredentialInView(t *testing.T) {
	w := newModuleWorld(t, dbtest.OpenSQLite(t))
	x := w.customer(w.acct.ID, "Reveal Co")
	var cred item
	w.want(201, w.admin, "POST", "/api/v1/credentials", map[string]any{"customer_id": id(x), "name": "Router", "secret": "router-pass"}, &cred)

	viewer := w.scoped("viewer@a-msp.example", []int64{x}, "credentials.view", "credentials.reveal")
	blind := w.scoped("blind@a-msp.example", []int64{x}, "credentials.reveal", "assets.view")

	var secret item
	w.want(200, viewer, "GET", "/api/v1/credentials/"+cred.ID+"/secret", nil, &secret)
	if secret.Secret != "router-pass" {
		t.Fatalf("revealed %q", secret.Secret)
	}
	_, missing, _ := w.do(blind, "GET", "/api/v1/credentials/999999/secret", nil)
	status, body, _ := w.do(blind, "GET", "/api/v1/credentials/"+cred.ID+"/secret", nil)
	if status != 404 || !bytes.Equal(body, missing) {
		t.Fatalf("reveal without view: %d %s, want the missing credential's 404 %s", status, body, missing)
	}
}
