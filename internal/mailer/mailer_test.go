package mailer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gatehouse/internal/mailer/mailtest"
	"gatehouse/internal/records"
)

type fakeStore struct {
	queued []records.Mail
	marked map[int64][]error
}

func (f *fakeStore) PendingMail(ctx context.Context, limit int) ([]records.Mail, error) {
	var out []records.Mail
	for _, m := range f.queued {
		errs := f.marked[m.ID]
		if len(errs) == 0 || (errs[len(errs)-1] != nil && len(errs) < 5) {
			m.Attempts = len(errs)
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeStore) MarkMail(ctx context.Context, id int64, err error) error {
	f.marked[id] = append(f.marked[id], err)
	return nil
}

type senderFunc func(records.Mail) error

func (s senderFunc) Send(_ context.Context, m records.Mail) error { return s(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestDeliverOnceSendsAndRecordsEachAttempt(t *testing.T) {
	store := &fakeStore{queued: []records.Mail{{ID: 1, To: "a@example.com"}, {ID: 2, To: "b@example.com"}}, marked: map[int64][]error{}}
	d := New(store, senderFunc(func(m records.Mail) error {
		if m.ID == 2 {
			return errors.New("mailbox unavailable")
		}
		return nil
	}), quiet)
	n, err := d.DeliverOnce(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("sent %d (%v), want 1", n, err)
	}
	if store.marked[1][0] != nil || store.marked[2][0] == nil {
		t.Fatalf("marks %v", store.marked)
	}
}

func TestMessageKeepsInputOutOfTheHeaders(t *testing.T) {
	msg, err := Message("Gatehouse <noreply@msp.example>", records.Mail{To: "ann@acme.example", ToName: "Ann\r\nBcc: evil@example.com",
		Subject: "Patch night\r\nBcc: evil@example.com", Body: "line 1\nline 2"}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(msg), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(line, "Bcc:") {
			t.Fatalf("input added a header: %q", head)
		}
	}
	if body != "line 1\r\nline 2\r\n" {
		t.Fatalf("body %q", body)
	}
	if _, err := Message("x@msp.example", records.Mail{To: "not an address"}, time.Now()); err == nil {
		t.Fatal("accepted a bad recipient")
	}
}

func TestSMTPSenderDeliversToTheServer(t *testing.T) {
	addr, got := mailtest.Server(t)
	err := SMTP{Addr: addr, From: "noreply@msp.example"}.Send(context.Background(),
		records.Mail{To: "ann@acme.example", ToName: "Ann", Subject: "Hello", Body: "Hi Ann"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if len(m.To) != 1 || m.To[0] != "<ann@acme.example>" || !strings.Contains(m.Data, "Subject: Hello") || !strings.Contains(m.Data, "Hi Ann") {
			t.Fatalf("server got %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server got nothing")
	}
}

func TestMessageBodyEndsLinesOnlyWithCRLF(t *testing.T) {
	// A bare CR or LF lets "<CR>.<CR><LF>" or "<LF>.<CR><LF>" reach the
	// SMTP server, which some servers take as the end of the message: the
	// rest would be read as commands (SMTP smuggling).
	for name, body := range map[string]string{
		"CR dot CRLF":   "Hello\r.\r\nMAIL FROM:<ceo@msp.example>\r\n",
		"LF dot CRLF":   "Hello\n.\r\nMAIL FROM:<ceo@msp.example>\r\n",
		"CR dot CR":     "Hello\r.\rRCPT TO:<x@example.com>",
		"LF CR":         "one\n\rtwo",
		"lone CRs":      "a\rb\r",
		"plain CRLF":    "line 1\r\nline 2",
		"plain LF only": "line 1\nline 2\n",
	} {
		msg, err := Message("noreply@msp.example", records.Mail{To: "ann@acme.example", Subject: "s", Body: body}, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, got, _ := strings.Cut(string(msg), "\r\n\r\n"); name == "plain CRLF" && got != "line 1\r\nline 2\r\n" {
			t.Errorf("%s: body %q", name, got)
		}
		for i, c := range msg {
			if c == '\r' && (i+1 == len(msg) || msg[i+1] != '\n') || c == '\n' && (i == 0 || msg[i-1] != '\r') {
				t.Errorf("%s: a bare %q at %d in %q", name, c, i, msg)
				break
			}
		}
	}
}
