package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/gatehouse"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageNames are the templates every deployment must have; New fails
// without any of them.
var pageNames = []string{
	"error", "signin", "home",
	"customers", "customer", "customer_form", "customer_delete", "customer_groups",
	"groups", "group_form", "group_delete",
	"users", "user_form", "user_delete", "tokens", "api_clients", "access_confirm",
	"module_list", "module_detail", "module_form", "module_delete", "campaign_send", "calendar",
	"effective_access", "explain", "access_review", "access_map", "audit",
	"signin_mfa", "security", "stepup", "settings", "sso_providers", "sso_form",
}

// pages holds one parsed template set per page: the layout plus the page.
type pages struct {
	byName map[string]*template.Template
}

func parsePages(a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"static": a.url,
		"holds": func(c *authz.Caller, key string) bool {
			p, ok := catalog.Lookup(key)
			return ok && c != nil && c.Grants.Holds(p)
		},
		"label":      fieldLabel,
		"accessType": accessTypeLabel,
		"join":       strings.Join,
		"fieldOf": func(name, label, value string, fe *formError, required bool) inputField {
			return inputField{Name: name, Label: label, Value: value, Required: required, Invalid: fe.Is(name)}
		},
	}
	layout, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	p := &pages{byName: make(map[string]*template.Template)}
	for _, name := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web templates: %w", err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web templates: %s.html defines no content", name)
		}
		p.byName[name] = t
	}
	return p, nil
}

func (p *pages) execute(w io.Writer, name string, v view) error {
	t, ok := p.byName[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	return t.ExecuteTemplate(w, "layout", v)
}

// inputField is one labelled text input of a form.
type inputField struct {
	Name, Label, Value string
	Required, Invalid  bool
}

// assets are the embedded static files, each served under a name that
// carries a hash of its content, so browsers may cache them for ever.
type assets struct {
	byHashed map[string]asset  // "app.3f2a1b9c.js" → file
	hashed   map[string]string // "app.js" → "app.3f2a1b9c.js"
}

type asset struct {
	body  []byte
	ctype string
}

func loadAssets() (*assets, error) {
	a := &assets{byHashed: map[string]asset{}, hashed: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		a.hashed[name] = hashed
		a.byHashed[hashed] = asset{body: body, ctype: mime.TypeByExtension(ext)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web static files: %w", err)
	}
	for _, need := range []string{"app.css", "app.js"} {
		if _, ok := a.hashed[need]; !ok {
			return nil, fmt.Errorf("web static files: %s is missing", need)
		}
	}
	return a, nil
}

// url is the content-hashed URL of a static file; templates call it.
func (a *assets) url(name string) (string, error) {
	h, ok := a.hashed[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + h, nil
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, _ *authz.Caller) error {
	f, ok := s.assets.byHashed[r.PathValue("file")]
	if !ok {
		return gatehouse.NotFound("file")
	}
	if f.ctype != "" {
		w.Header().Set("Content-Type", f.ctype)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(f.body)
	return nil
}

// fieldLabels name form fields in messages; the keys are the field names
// the store reports, which are also the forms' input names.
var fieldLabels = map[string]string{
	"name": "Name", "description": "Description", "access_type": "Access type", "customer_ids": "Accessible customers",
	"permissions": "Permissions", "email": "Email", "password": "Password", "security_group_ids": "Security groups",
	"tags": "Tags", "notes": "Notes", "phone": "Phone", "website": "Website", "address_line1": "Address line 1",
	"address_line2": "Address line 2", "city": "City", "region": "Region", "postal_code": "Postal code", "country": "Country", "os": "OS",
	"user": "User", "permission": "Permission", "customer": "Customer", "customer_id": "Customer", "actor": "Actor",
	"action": "Action", "since": "From", "until": "To", "lines": "Line items", "secret": "Secret", "asset_id": "Asset",
	"tax_rate_bp": "Tax rate", "url": "URL", "serial": "Serial number", "assignee_id": "Assignee",
	"contact_id": "Contact", "issued_on": "Issued on", "due_on": "Due on", "last_seen_at": "Last seen",
}

func fieldLabel(field string) string { return fieldLabelOf(field) }

func accessTypeLabel(t gatehouse.AccessType) string {
	if t == gatehouse.SelectCustomers {
		return "Select Customers"
	}
	return "All Customers"
}
