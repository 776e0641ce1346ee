package ssotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// person is someone with an account at the identity provider.
type person struct {
	Username, Password, Email string
	EmailVerified             bool
	Groups                    []string
}

// idp is zitadel/oidc's OpenID Provider (the library's example storage
// and login page) on a loopback port, with people of our choosing, a
// groups claim, and a signing key the tests also hold, so they can make
// the provider answer a forged token in place of the one it signed.
type idp struct {
	Issuer string
	srv    *httptest.Server
	key    *rsa.PrivateKey
	keyID  string

	mu     sync.Mutex
	forge  func(claims map[string]any) // rewrites the next ID token's claims
	signer *rsa.PrivateKey             // signs the forged token (default: key)
}

// startIDP starts a provider with the people, and clients (id → secret)
// that may send users back to redirectURI.
func startIDP(t *testing.T, people []person, clients map[string]string, redirectURI string) *idp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{Issuer: "http://" + ln.Addr().String(), keyID: "test-key"}
	if p.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	users := userStore{byID: map[string]*storage.User{}, groups: map[string][]string{}}
	for i, pe := range people {
		id := "sub-" + strings.Repeat("0", 3-len(itoa(i))) + itoa(i) + "-" + pe.Username
		users.byID[id] = &storage.User{ID: id, Username: pe.Username, Password: pe.Password, FirstName: pe.Username,
			LastName: "Tester", Email: pe.Email, EmailVerified: pe.EmailVerified, PreferredLanguage: language.English}
		users.groups[id] = pe.Groups
	}
	registered := map[string]*storage.Client{}
	for id, secret := range clients {
		registered[id] = storage.WebClient(id, secret, redirectURI)
	}
	st := &opStorage{Storage: storage.NewStorageWithClients(users, registered), users: users, p: p}
	p.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: p.tamper(exampleop.SetupServer(p.Issuer, st, nil, false))}}
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// forgeNext makes the provider's next token response carry an ID token
// whose claims fix rewrites, signed by signer (nil: the provider's own
// key).
func (p *idp) forgeNext(fix func(map[string]any), signer *rsa.PrivateKey) {
	p.mu.Lock()
	p.forge, p.signer = fix, signer
	p.mu.Unlock()
}

// tamper passes every request to the provider; a token response, when a
// forgery is set, has its ID token rewritten and signed again.
func (p *idp) tamper(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		forge, signer := p.forge, p.signer
		if r.URL.Path == "/oauth/token" {
			p.forge, p.signer = nil, nil
		}
		p.mu.Unlock()
		if r.URL.Path != "/oauth/token" || forge == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			copyResponse(w, rec)
			return
		}
		raw, _ := body["id_token"].(string)
		parts := strings.Split(raw, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		claims := map[string]any{}
		if err != nil || json.Unmarshal(payload, &claims) != nil {
			http.Error(w, "unreadable id_token", http.StatusInternalServerError)
			return
		}
		forge(claims)
		if signer == nil {
			signer = p.key
		}
		body["id_token"] = p.sign(claims, signer)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	})
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// sign makes a compact RS256 JWS of claims under the provider's key id.
func (p *idp) sign(claims map[string]any, key *rsa.PrivateKey) string {
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.keyID))
	if err != nil {
		panic(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		panic(err)
	}
	out, _ := jws.CompactSerialize()
	return out
}

// userStore holds the provider's people.
type userStore struct {
	byID   map[string]*storage.User
	groups map[string][]string
}

func (u userStore) GetUserByID(id string) *storage.User { return u.byID[id] }

func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, v := range u.byID {
		if v.Username == name {
			return v
		}
	}
	return nil
}

func (u userStore) ExampleClientID() string { return "example" }

// opStorage is the example storage with our signing key and a groups
// claim in the ID token and at userinfo.
type opStorage struct {
	*storage.Storage
	users userStore
	p     *idp
}

type signingKey struct{ p *idp }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.p.key }
func (k signingKey) ID() string                                  { return k.p.keyID }

type publicKey struct{ p *idp }

func (k publicKey) ID() string                         { return k.p.keyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.p.key.PublicKey }

func (s *opStorage) SigningKey(context.Context) (op.SigningKey, error) { return signingKey{s.p}, nil }

func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *opStorage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{s.p}}, nil }

func (s *opStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	ui.AppendClaims("groups", s.users.groups[req.GetSubject()])
	return nil
}

func (s *opStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	ui.AppendClaims("groups", s.users.groups[ui.Subject])
	return nil
}

// signIn plays the person at the provider's login page: from the
// authorization request Gatehouse redirected to, through the page's
// form, to the redirect back to Gatehouse, which client follows.
func signIn(t *testing.T, client *http.Client, authURL string, pe person) *http.Response {
	t.Helper()
	res, err := client.Get(authURL) // the provider answers with its login page
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(res)
	id := between(page, `name="id" value="`, `"`)
	if res.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("the provider's login page: %d %s", res.StatusCode, page)
	}
	form := "id=" + id + "&username=" + pe.Username + "&password=" + pe.Password
	res, err = client.Post(res.Request.URL.Scheme+"://"+res.Request.URL.Host+"/login/username", "application/x-www-form-urlencoded",
		bytes.NewBufferString(form))
	if err != nil {
		t.Fatal(err)
	}
	return res
}
