package web

import (
	"net/http"
	"net/url"

	"gatehouse/internal/authz"
	"gatehouse/internal/catalog"
	"gatehouse/internal/usecase"
)

// confirmField carries the digest of the impact a person confirmed.
const confirmField = "confirm_impact"

// confirmed runs an access change the way every web form does: the first
// post previews it; when anyone's access would move, a page shows who
// gains and who loses what, and only its Confirm button — re-posting the
// same form with the preview's digest — applies it, and only if the
// impact is still the one shown. A change that moves nobody's access
// applies at once. applied is false when a page was written instead.
func (s *Server) confirmed(w http.ResponseWriter, r *http.Request, c *authz.Caller, action string,
	run func(usecase.Mode) (usecase.Impact, error)) (applied bool, err error) {
	digest := r.PostFormValue(confirmField)
	if digest == "" {
		imp, err := run(usecase.Preview)
		if err != nil {
			return false, err
		}
		if !imp.Empty() {
			return false, s.renderConfirm(w, r, c, action, imp, "")
		}
		digest = imp.Digest()
	}
	_, err = run(usecase.Confirmed(digest))
	if err == usecase.ErrImpactChanged {
		imp, err := run(usecase.Preview)
		if err != nil {
			return false, err
		}
		return false, s.renderConfirm(w, r, c, action, imp, "Access changed since you looked: review the change again.")
	}
	return err == nil, err
}

type confirmPage struct {
	Action   string // what the Confirm button does, e.g. "Save security group Acme IT"
	Summary  string
	Notice   string
	Warnings []string
	Users    []confirmUser
	Post     string // the form's action
	Fields   []hiddenField
	Digest   string
	Back     string
}

type confirmUser struct {
	Name, Email                   string
	Gains, Loses                  []confirmReach
	BecomesAdmin, StopsBeingAdmin bool
}

// confirmReach is the permissions a user gains (or loses) on the same
// customers, the sensitive ones first.
type confirmReach struct {
	Where     string
	Sensitive []string // labels
	Others    []string // labels
}

type hiddenField struct{ Name, Value string }

func (s *Server) renderConfirm(w http.ResponseWriter, r *http.Request, c *authz.Caller, action string, imp usecase.Impact, notice string) error {
	var ids []int64
	for _, u := range imp.Users {
		for _, rs := range [][]usecase.Reach{u.Gains, u.Loses} {
			for _, re := range rs {
				ids = append(ids, re.Scope.IDs...)
			}
		}
	}
	name, err := s.customerNamer(r.Context(), c, ids)
	if err != nil {
		return err
	}
	reaches := func(rs []usecase.Reach) []confirmReach {
		var out []confirmReach
		index := map[string]int{}
		for _, re := range rs {
			where := scopeText(re.Scope, name)
			if p, _ := catalog.Lookup(re.Permission); !p.CustomerScoped() {
				where = "Account-wide"
			} else if re.Hidden {
				where += " and customers you cannot see"
			}
			i, ok := index[where]
			if !ok {
				i, index[where] = len(out), len(out)
				out = append(out, confirmReach{Where: where})
			}
			if catalog.Sensitive(re.Permission) {
				out[i].Sensitive = append(out[i].Sensitive, permLabel(re.Permission))
			} else {
				out[i].Others = append(out[i].Others, permLabel(re.Permission))
			}
		}
		return out
	}
	p := confirmPage{Action: action, Summary: imp.Summary(), Notice: notice, Warnings: imp.Warnings,
		Post: r.URL.Path, Digest: imp.Digest(), Back: backTo(r)}
	for _, u := range imp.Users {
		p.Users = append(p.Users, confirmUser{Name: u.User.Name, Email: u.User.Email, Gains: reaches(u.Gains), Loses: reaches(u.Loses),
			BecomesAdmin: u.BecomesAdmin, StopsBeingAdmin: u.StopsBeingAdmin})
	}
	p.Fields = s.formFields(r, c, func(k string) bool { return k == csrfField || k == confirmField })
	s.render(w, r, c, http.StatusOK, "access_confirm", "Review: "+action, p)
	return nil
}

// backTo is the page a Cancel returns to: the form's own page.
func backTo(r *http.Request) string {
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Path != "" && localPath(ref.Path) == ref.Path {
		return ref.RequestURI()
	}
	return "/"
}
