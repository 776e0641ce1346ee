// Package mailtest is an in-process SMTP server for tests: it accepts
// every message and hands it over on a channel.
package mailtest

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
)

// Message is one message the server accepted.
type Message struct {
	To   []string // RCPT TO addresses, as sent
	Data string   // the message, headers and body
}

// Server listens on a free local port until the test ends.
func Server(tb testing.TB) (addr string, got <-chan Message) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	ch := make(chan Message, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c, ch)
		}
	}()
	return ln.Addr().String(), ch
}

func serve(c net.Conn, ch chan<- Message) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { io.WriteString(c, s+"\r\n") }
	say("220 mailtest ESMTP")
	var m Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 mailtest")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.To = append(m.To, strings.TrimSpace(strings.TrimSpace(line)[8:]))
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			m.Data = data.String()
			ch <- m
			m = Message{}
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}
