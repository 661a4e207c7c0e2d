package pipeline

import (
	"encoding/json"
	"io"
	"net/http"
)

// FilterRequest is the body of PUT /api/control/filters.
type FilterRequest struct {
	Filters []string `json:"filters"`
}

// FilterState is what the filters control answers.
type FilterState struct {
	Filters []string          `json:"filters"`
	Costs   []Cost            `json:"costs,omitempty"`
	Error   string            `json:"error,omitempty"`
	Removed map[string]string `json:"removed,omitempty"`
}

// FiltersControl serves GET and PUT of a live session's filter chain, for
// the built-in server's /api/control/filters (`onair filters set`). A nil
// session (nothing live) answers 409.
func FiltersControl(sess *Session) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if sess == nil {
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(FilterState{Error: "nothing is live: go live first"})
			return
		}
		switch r.Method {
		case http.MethodGet:
		case http.MethodPut, http.MethodPost:
			var req FilterRequest
			if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(FilterState{Error: `want JSON {"filters": ["gray", "blur:k=9"]}`})
				return
			}
			if err := sess.SetFilters(req.Filters); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(FilterState{Filters: sess.Filters(), Error: err.Error()})
				return
			}
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		json.NewEncoder(w).Encode(FilterState{Filters: sess.Filters(), Costs: sess.FilterCosts()})
	})
}
