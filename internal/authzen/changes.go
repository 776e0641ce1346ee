package authzen

import (
	"fmt"
	"net/http"
	"time"

	"gatehouse/internal/gatehouse"
)

// The change feed: server-sent events telling an API client each time its
// account's security version moves, so a tool can drop what it cached.
// Each event carries the new consistency token. A stream is bounded in
// time (the client reconnects, as EventSource does by itself), in number
// per client and in total, and ends when the server shuts down.

// Change feed bounds.
const (
	streamsPerClient = 4
	streamsTotal     = 1000
	streamLife       = time.Hour
	heartbeat        = 20 * time.Second
	writeWindow      = 30 * time.Second
)

// enter admits one more stream of the client, or refuses it.
func (st *streams) enter(clientID int64) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.isClosed:
		return gatehouse.Unavailable(fmt.Errorf("shutting down"))
	case st.open[clientID] >= streamsPerClient:
		return &gatehouse.Error{Code: gatehouse.ETooMany, Message: fmt.Sprintf("this API client already has %d change feeds open", streamsPerClient), RetryAfter: 10 * time.Second}
	case st.total >= streamsTotal:
		return &gatehouse.Error{Code: gatehouse.ETooMany, Message: "too many change feeds are open; try again later", RetryAfter: 30 * time.Second}
	}
	st.open[clientID]++
	st.total++
	return nil
}

func (st *streams) leave(clientID int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.total--
	if st.open[clientID]--; st.open[clientID] <= 0 {
		delete(st.open, clientID)
	}
}

// changes streams the account's security version moves.
func (s *Server) changes(w http.ResponseWriter, r *http.Request, a *asker) error {
	if err := s.streams.enter(a.client.ID); err != nil {
		return err
	}
	defer s.streams.leave(a.client.ID)
	wake, stop := s.versions.Subscribe(a.account())
	defer stop()
	last, err := s.versions.Current(a.ctx, a.account())
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(format string, args ...any) bool {
		rc.SetWriteDeadline(time.Now().Add(writeWindow))
		_, err := fmt.Fprintf(w, format, args...)
		return err == nil && rc.Flush() == nil
	}
	event := func(v int64) bool {
		tok := makeToken(a.account(), v)
		return write("id: %s\nevent: security_version\ndata: {\"consistency_token\":%q}\n\n", tok, tok)
	}
	if !write("retry: 2000\n\n") || !event(last) {
		return nil
	}
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	end := time.NewTimer(streamLife)
	defer end.Stop()
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.streams.done:
			return nil
		case <-end.C:
			return nil
		case <-beat.C:
			if !write(": keep-alive\n\n") {
				return nil
			}
		case <-wake:
			v, err := s.versions.Current(a.ctx, a.account())
			if err != nil || v <= last {
				continue
			}
			last = v
			if !event(v) {
				return nil
			}
		}
	}
}
