package httpapi

import (
	"net/http"

	"gatehouse/internal/authz"
)

type estimateConversionRequest struct {
	Number   string `json:"number" doc:"the new invoice's number" example:"INV-2026-0042"`
	IssuedOn string `json:"issued_on" format:"date" doc:"YYYY-MM-DD; default today (UTC)" example:"2026-11-26"`
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
	inv, err := s.uc.ConvertEstimate(r.Context(), c, id, req.Number, req.IssuedOn)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, recordJSON{modInvoices, inv})
}
