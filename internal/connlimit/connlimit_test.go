package connlimit

import (
	"bufio"
	"net"
	"net/http"
	"testing"
)

func TestAnAddressOverTheCapIsAnswered503AndClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(ln, 2, nil)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(l)
	defer srv.Close()

	get := func(c net.Conn) int {
		t.Helper()
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			return 0
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if status := get(c); status != 200 {
			t.Fatalf("a connection under the cap: %d", status)
		}
		held = append(held, c)
	}
	third, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if status := get(third); status != 503 {
		t.Fatalf("a third connection from the same address: %d, want 503", status)
	}
	third.Close()
	if l.Refused.Load() != 1 {
		t.Fatalf("refused %d", l.Refused.Load())
	}
	// A connection closed gives its place back.
	held[0].Close()
	for l.Open("127.0.0.1") > 1 {
		get(held[1]) // let the server notice the close
	}
	again, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if status := get(again); status != 200 {
		t.Fatalf("after one closed: %d", status)
	}
}

func TestExemptAddressesAreNotCapped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(ln, 1, func(addr string) bool { return addr == "127.0.0.1" })
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(l)
	defer srv.Close()
	for i := range 3 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("connection %d from an exempt address: %v %v", i+1, resp, err)
		}
		resp.Body.Close()
	}
	if l.Refused.Load() != 0 {
		t.Fatalf("refused %d", l.Refused.Load())
	}
}
