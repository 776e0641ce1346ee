// Package mailer delivers the outbox — campaign mail queued by the API —
// over SMTP. Without an SMTP server configured, mail stays queued.
package mailer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"gatehouse/internal/records"
)

// Store is the outbox.
type Store interface {
	PendingMail(ctx context.Context, limit int) ([]records.Mail, error)
	MarkMail(ctx context.Context, id int64, sendErr error) error
}

// Sender sends one message.
type Sender interface {
	Send(ctx context.Context, m records.Mail) error
}

// SMTP sends through one SMTP server, upgrading to TLS when the server
// offers STARTTLS; credentials are only sent over TLS or to localhost.
type SMTP struct {
	Addr     string // host:port
	From     string // the envelope and header sender
	Username string
	Password string
}

// Send delivers m.
func (s SMTP) Send(ctx context.Context, m records.Mail) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp address: %w", err)
	}
	var auth smtp.Auth
	if s.Username != "" {
		auth = smtp.PlainAuth("", s.Username, s.Password, host)
	}
	msg, err := Message(s.From, m, time.Now())
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(s.Addr, auth, s.From, []string{m.To}, msg) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// oneLine keeps a header value on one line, so no input can add headers.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

// Message renders m as an RFC 5322 plain-text message.
func Message(from string, m records.Mail, now time.Time) ([]byte, error) {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	to := (&mail.Address{Name: oneLine(m.ToName), Address: m.To}).String()
	id := make([]byte, 12)
	rand.Read(id)
	domain := "gatehouse.invalid"
	if at := strings.LastIndex(from, "@"); at >= 0 {
		domain = strings.Trim(from[at+1:], "> ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", oneLine(from))
	fmt.Fprintf(&b, "To: %s\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", now.UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	// Every line ends in CRLF, and nothing else does: a bare CR or LF could
	// spell an end of data some SMTP servers accept ("<CR>.<CR><LF>").
	body := strings.NewReplacer("\r\n", "\r\n", "\r", "\r\n", "\n", "\r\n").Replace(m.Body)
	b.WriteString(body)
	if !strings.HasSuffix(body, "\r\n") {
		b.WriteString("\r\n")
	}
	return []byte(b.String()), nil
}

// Deliverer drains the outbox: at start, every Interval, and whenever
// Wake is called.
type Deliverer struct {
	Store    Store
	Sender   Sender
	Log      *slog.Logger
	Interval time.Duration
	wake     chan struct{}
}

// New returns a deliverer polling every minute.
func New(store Store, sender Sender, log *slog.Logger) *Deliverer {
	return &Deliverer{Store: store, Sender: sender, Log: log, Interval: time.Minute, wake: make(chan struct{}, 1)}
}

// Wake asks for a delivery round soon; it never blocks.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done.
func (d *Deliverer) Run(ctx context.Context) {
	t := time.NewTicker(d.Interval)
	defer t.Stop()
	for {
		if _, err := d.DeliverOnce(ctx); err != nil && ctx.Err() == nil {
			d.Log.Error("mail delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.wake:
		}
	}
}

// DeliverOnce sends what is queued now and records each attempt; it
// returns how many messages were sent.
func (d *Deliverer) DeliverOnce(ctx context.Context) (int, error) {
	sent := 0
	for {
		batch, err := d.Store.PendingMail(ctx, 100)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		progress := false
		for _, m := range batch {
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			sendErr := d.Sender.Send(ctx, m)
			if sendErr != nil {
				d.Log.Warn("mail not delivered", "outbox_id", m.ID, "attempt", m.Attempts+1, "err", sendErr)
			} else {
				sent++
				progress = true
			}
			if err := d.Store.MarkMail(ctx, m.ID, sendErr); err != nil {
				return sent, err
			}
		}
		if !progress {
			return sent, nil // everything failed this round; try again later
		}
	}
}
