package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// wire is a minimal HTTP/1.1 keep-alive client over one connection, the
// way load generators such as wrk talk to a server: requests are written
// as prepared bytes and answers read with their Content-Length (or
// chunked). It spends far less CPU per request than net/http's client,
// which matters when the load and the servers share two cores. Every
// engine in the race is driven through it alike.
type wire struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
	body []byte
}

func dial(addr string) (*wire, error) {
	w := &wire{addr: addr}
	return w, w.connect()
}

func (w *wire) connect() error {
	if w.c != nil {
		w.c.Close()
	}
	c, err := net.DialTimeout("tcp", w.addr, 5*time.Second)
	if err != nil {
		return err
	}
	w.c, w.r = c, bufio.NewReaderSize(c, 64<<10)
	return nil
}

func (w *wire) close() {
	if w.c != nil {
		w.c.Close()
	}
}

// httpRequest is one prepared HTTP request.
func httpRequest(method, host, path, auth string, body []byte, extra ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", extra[i], extra[i+1])
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// answer is a response: status, the headers asked for, and the body
// (valid until the next call).
type answer struct {
	status int
	timing string // Server-Timing, when the server sends it
	body   []byte
}

// do sends req and reads the answer, reconnecting once if the server
// closed an idle connection.
func (w *wire) do(req []byte) (answer, error) {
	a, err := w.roundTrip(req)
	if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err)) {
		if err := w.connect(); err != nil {
			return a, err
		}
		return w.roundTrip(req)
	}
	return a, err
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne)
}

func (w *wire) roundTrip(req []byte) (answer, error) {
	var a answer
	w.c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := w.c.Write(req); err != nil {
		return a, err
	}
	line, err := w.r.ReadSlice('\n')
	if err != nil {
		return a, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return a, fmt.Errorf("bad status line %q", line)
	}
	if a.status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return a, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, closeAfter := -1, false, false
	for {
		h, err := w.r.ReadSlice('\n')
		if err != nil {
			return a, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			length, _ = strconv.Atoi(string(v))
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			closeAfter = bytes.EqualFold(v, []byte("close"))
		case bytes.EqualFold(k, []byte("Server-Timing")):
			a.timing = string(v)
		}
	}
	w.body = w.body[:0]
	switch {
	case chunked:
		err = w.readChunks()
	case length >= 0:
		if cap(w.body) < length {
			w.body = make([]byte, length)
		}
		w.body = w.body[:length]
		_, err = io.ReadFull(w.r, w.body)
	default:
		return a, errors.New("an answer without a length")
	}
	a.body = w.body
	if closeAfter {
		w.connect()
	}
	return a, err
}

func (w *wire) readChunks() error {
	for {
		line, err := w.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 64)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			for { // trailers until the empty line
				l, err := w.r.ReadSlice('\n')
				if err != nil || len(bytes.TrimRight(l, "\r\n")) == 0 {
					return err
				}
			}
		}
		start := len(w.body)
		w.body = append(w.body, make([]byte, size)...)
		if _, err := io.ReadFull(w.r, w.body[start:]); err != nil {
			return err
		}
		if _, err := w.r.Discard(2); err != nil {
			return err
		}
	}
}
