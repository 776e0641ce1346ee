package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/mailer/mailtest"
)

// The real program with --demo: the co-managed IT user reveals a secret
// sealed with the key file beside the database (which outlives a
// restart), and a campaign they send reaches their customer's contact
// over SMTP.
func TestCoManagedDemoUserRevealsAndMailsThroughTheRealProgram(t *testing.T) {
	addr, mail := mailtest.Server(t)
	dbPath := filepath.Join(t.TempDir(), "gatehouse.db")
	cfg := Config{DBPath: dbPath, Demo: true}
	cfg.SMTP.Addr, cfg.SMTP.From = addr, "noreply@demo.example"
	m := MustRunMain(t, cfg)

	st, err := os.Stat(dbPath + ".vault-key")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("vault key file: %v, mode %v; want 0600", err, st)
	}
	login := func(m *Main) string {
		_, out := postJSON(t, m.URL()+"/api/v1/auth/login", "", map[string]string{"email": "it@acme-dental.example", "password": "demo-acme-pass"})
		tok, _ := out["token"].(string)
		if tok == "" {
			t.Fatalf("login: %v", out)
		}
		return tok
	}
	reveal := func(m *Main, tok string) string {
		var creds struct {
			Items []struct {
				ID        string
				Name      string
				HasSecret bool `json:"has_secret"`
			}
		}
		if status := getJSON(t, m.URL()+"/api/v1/credentials", tok, &creds); status != 200 || len(creds.Items) == 0 {
			t.Fatalf("credentials: %d %+v", status, creds)
		}
		var secret struct{ Secret string }
		if status := getJSON(t, m.URL()+"/api/v1/credentials/"+creds.Items[0].ID+"/secret", tok, &secret); status != 200 {
			t.Fatalf("reveal: %d", status)
		}
		return secret.Secret
	}
	tok := login(m)
	first := reveal(m, tok)
	if !strings.HasPrefix(first, "demo-") {
		t.Fatalf("revealed %q", first)
	}

	var camps struct{ Items []struct{ ID, Name string } }
	getJSON(t, m.URL()+"/api/v1/campaigns", tok, &camps)
	if len(camps.Items) != 1 {
		t.Fatalf("campaigns %+v, want Acme's one", camps)
	}
	resp, out := postJSON(t, m.URL()+"/api/v1/campaigns/"+camps.Items[0].ID+"/send", tok, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send: %d %v", resp.StatusCode, out)
	}
	select {
	case msg := <-mail:
		if len(msg.To) != 1 || msg.To[0] != "<ann@acme-dental.example>" || !strings.Contains(msg.Data, "Maintenance this Saturday") {
			t.Fatalf("mail %+v", msg)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no mail reached the SMTP server")
	}

	// A restart reads the same key: the secret still opens.
	m.Close()
	cfg.Demo = false
	m2 := MustRunMain(t, cfg)
	if again := reveal(m2, login(m2)); again != first {
		t.Fatalf("after a restart the secret reads %q, want %q", again, first)
	}
}
