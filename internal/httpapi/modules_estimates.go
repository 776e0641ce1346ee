package httpapi

import (
	"net/http"

	"gatehouse/internal/authz"
)

type estimateConversionRequest struct {
	Number   string `json:"number"`
	IssuedOn string `json:"issued_on"`
}

// convertEstimate makes a draft invoice from an estimate;
// ConvertEstimate decides and writes it.
func (s *Server) convertEstimate(w http.ResponseWriter, r *http.Request, c *authz.Caller) error {
	id, err := pathID(r, "estimate")
	if err != nil {
		return err
	}
	var req estimateConversionRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	inv, err := s.ConvertEstimate(r.Context(), c, id, req.Number, req.IssuedOn)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, recordJSON{modInvoices, inv})
}
