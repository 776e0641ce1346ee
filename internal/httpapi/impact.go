package httpapi

import (
	"net/http"
	"strconv"

	"gatehouse/internal/gatehouse"
	"gatehouse/internal/usecase"
)

// changeMode reads ?dry_run=: true previews an access change — who gains
// and who loses what — without writing it. ?confirm=<digest> applies the
// change only if its impact is still the previewed one.
func changeMode(r *http.Request) (usecase.Mode, error) {
	if d := r.URL.Query().Get("confirm"); d != "" {
		return usecase.Confirmed(d), nil
	}
	v := r.URL.Query().Get("dry_run")
	if v == "" {
		return usecase.Apply, nil
	}
	dry, err := strconv.ParseBool(v)
	if err != nil {
		return usecase.Apply, gatehouse.Invalid("dry_run", "dry_run is true or false")
	}
	if dry {
		return usecase.Preview, nil
	}
	return usecase.Apply, nil
}

// previewJSON answers a dry run: the change's effect on everyone's access.
type previewJSON struct {
	DryRun   bool             `json:"dry_run"`
	Summary  string           `json:"summary"`
	Warnings []string         `json:"warnings"`
	Users    []userChangeJSON `json:"users"`
	// Digest identifies this impact: pass it as ?confirm= to apply the
	// change only if its impact is still this one.
	Digest string `json:"digest"`
}

type userChangeJSON struct {
	ID                    ID          `json:"id"`
	Email                 string      `json:"email"`
	Name                  string      `json:"name"`
	Gains                 []reachJSON `json:"gains"`
	Loses                 []reachJSON `json:"loses"`
	BecomesGlobalAdmin    bool        `json:"becomes_global_admin"`
	StopsBeingGlobalAdmin bool        `json:"stops_being_global_admin"`
}

type reachJSON struct {
	Permission string    `json:"permission"`
	Scope      scopeJSON `json:"scope"`
	// Hidden: the change also reaches customers the caller cannot see.
	Hidden bool `json:"also_customers_you_cannot_see"`
}

func toReachJSON(rs []usecase.Reach) []reachJSON {
	out := make([]reachJSON, 0, len(rs))
	for _, r := range rs {
		out = append(out, reachJSON{Permission: r.Permission, Scope: toScopeJSON(r.Scope), Hidden: r.Hidden})
	}
	return out
}

// writeImpact answers a preview, or passes on the change's error.
func writeImpact(w http.ResponseWriter, imp usecase.Impact, err error) error {
	if err != nil {
		return err
	}
	out := previewJSON{DryRun: true, Summary: imp.Summary(), Warnings: imp.Warnings, Users: []userChangeJSON{}, Digest: imp.Digest()}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for _, u := range imp.Users {
		out.Users = append(out.Users, userChangeJSON{ID: ID(u.User.ID), Email: u.User.Email, Name: u.User.Name,
			Gains: toReachJSON(u.Gains), Loses: toReachJSON(u.Loses),
			BecomesGlobalAdmin: u.BecomesAdmin, StopsBeingGlobalAdmin: u.StopsBeingAdmin})
	}
	return writeJSON(w, http.StatusOK, out)
}
