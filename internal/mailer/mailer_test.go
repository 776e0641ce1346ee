package mailer

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

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

// fakeSMTP accepts one message and reports its envelope and data.
func fakeSMTP(t *testing.T) (addr string, got chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { io.WriteString(c, s+"\r\n") }
		say("220 fake ESMTP")
		var rcpt, data strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			cmd := strings.ToUpper(strings.TrimSpace(line))
			switch {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				say("250 fake")
			case strings.HasPrefix(cmd, "RCPT TO:"):
				rcpt.WriteString(strings.TrimSpace(line[8:]))
				say("250 ok")
			case cmd == "DATA":
				say("354 go on")
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == ".\r\n" {
						break
					}
					data.WriteString(l)
				}
				say("250 queued")
			case cmd == "QUIT":
				say("221 bye")
				got <- rcpt.String() + "\n" + data.String()
				return
			default:
				say("250 ok")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPSenderDeliversToTheServer(t *testing.T) {
	addr, got := fakeSMTP(t)
	err := SMTP{Addr: addr, From: "noreply@msp.example"}.Send(context.Background(),
		records.Mail{To: "ann@acme.example", ToName: "Ann", Subject: "Hello", Body: "Hi Ann"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if !strings.Contains(s, "<ann@acme.example>") || !strings.Contains(s, "Subject: Hello") || !strings.Contains(s, "Hi Ann") {
			t.Fatalf("server got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server got nothing")
	}
}
