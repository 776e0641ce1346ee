package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/internal/auth"
	"gatehouse/internal/gatehouse"
)

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hiddenForm is the form a page posts on, as its hidden fields carry it.
func hiddenForm(body string) url.Values {
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(body, -1) {
		form.Add(m[1], strings.ReplaceAll(m[2], "&#43;", "+"))
	}
	return form
}

// A new user's password goes through the access-change review without
// ever being written into the page, and comes back to the form only for
// the session that sent it, once.
func TestTheReviewPageNeverWritesAFormsSecret(t *testing.T) {
	e := newEnv(t)
	techs := e.group(gatehouse.SecurityGroup{Name: "Techs", AccessType: gatehouse.AllCustomers, Permissions: []string{"customers.view"}})
	admin := e.signedIn("admin@test.example")
	const secret = "a secret nobody may read back"
	res := admin.postForm("/users", url.Values{"email": {"held@test.example"}, "name": {"Held"}, "password": {secret},
		"group_id": {fmt.Sprint(techs)}})
	if res.status != http.StatusOK || !strings.Contains(res.body, `name="confirm_impact"`) {
		t.Fatalf("no review page: %d %s", res.status, reasonOf(res.body))
	}
	if strings.Contains(res.body, secret) {
		t.Fatal("the review page carries the password")
	}
	form := hiddenForm(res.body)
	if form.Get("password") != "" || form.Get("held_secret") == "" {
		t.Fatalf("the review posts on %v, want a held handle in place of the password", form)
	}

	// Another session cannot take the secret with the handle.
	other := e.signedIn("admin@test.example")
	stolen := url.Values{"email": {"thief@test.example"}, "name": {"Thief"}, "held_secret": {form.Get("held_secret")},
		"group_id": {fmt.Sprint(techs)}, "confirm_impact": {form.Get("confirm_impact")}}
	if res := other.postForm("/users", stolen); res.status != http.StatusConflict || !strings.Contains(res.body, "no longer kept") {
		t.Fatalf("another session posting the handle: %d %s, want 409 saying the secret is no longer kept", res.status, reasonOf(res.body))
	}
	if _, err := e.db.UserByEmail(e.ctx, e.account, "thief@test.example"); err == nil {
		t.Fatal("another session created a user with the handle")
	}

	res = admin.postForm("/users", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("confirming: %d %s", res.status, reasonOf(res.body))
	}
	u, err := e.db.UserByEmail(e.ctx, e.account, "held@test.example")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.CheckPassword(secret, u.PasswordHash); !ok {
		t.Fatal("the user was created without the password the form sent")
	}
	// The handle was good once: a form that lost its secret is refused,
	// never applied without it.
	form.Set("email", "again@test.example")
	if res := admin.postForm("/users", form); res.status != http.StatusConflict {
		t.Fatalf("a used handle: %d %s, want 409", res.status, reasonOf(res.body))
	}
}
