package authzen

import (
	"net/http"
	"strings"
)

// metadataJSON is the PDP's metadata document. gatehouse_changes_endpoint
// is Gatehouse's extension: the change feed.
type metadataJSON struct {
	PDP              string `json:"policy_decision_point"`
	Evaluation       string `json:"access_evaluation_endpoint"`
	Evaluations      string `json:"access_evaluations_endpoint"`
	SearchSubject    string `json:"search_subject_endpoint"`
	SearchResource   string `json:"search_resource_endpoint"`
	SearchAction     string `json:"search_action_endpoint"`
	GatehouseChanges string `json:"gatehouse_changes_endpoint"`
}

// metadata serves /.well-known/authzen-configuration: where each endpoint
// is, under the base URL the tool used (or the configured public one).
func (s *Server) metadata(w http.ResponseWriter, r *http.Request, _ *asker) error {
	base := strings.TrimSuffix(s.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	w.Header().Set("Cache-Control", "max-age=300")
	writeJSON(w, http.StatusOK, metadataJSON{
		PDP:              base,
		Evaluation:       base + "/access/v1/evaluation",
		Evaluations:      base + "/access/v1/evaluations",
		SearchSubject:    base + "/access/v1/search/subject",
		SearchResource:   base + "/access/v1/search/resource",
		SearchAction:     base + "/access/v1/search/action",
		GatehouseChanges: base + "/access/v1/changes",
	})
	return nil
}
