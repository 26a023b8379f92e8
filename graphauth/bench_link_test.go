package graphauth_test

import (
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/entrakit/entrakit/graphauth/graphauthtest"
)

// slowLink is a TCP relay in front of the fake platform that holds every
// chunk of bytes for half a round trip in each direction, as a link to a
// distant data centre does. Each chunk keeps its order and its own delay,
// so a connection costs a round trip to open and the TLS handshake another.
type slowLink struct {
	ln   net.Listener
	to   string
	half time.Duration
	wg   sync.WaitGroup
}

func newSlowLink(tb testing.TB, to string, rtt time.Duration) *slowLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &slowLink{ln: ln, to: to, half: rtt / 2}
	l.wg.Go(l.accept)
	tb.Cleanup(func() { ln.Close(); l.wg.Wait() })
	return l
}

func (l *slowLink) accept() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.wg.Go(func() {
			time.Sleep(l.half) // the SYN's way in; the SYN-ACK's way back is the first read's
			up, err := net.Dial("tcp", l.to)
			if err != nil {
				c.Close()
				return
			}
			var pair sync.WaitGroup
			pair.Go(func() { l.relay(up, c) })
			pair.Go(func() { l.relay(c, up) })
			pair.Wait()
		})
	}
}

// relay copies src to dst, each chunk delayed by half a round trip from
// the moment it was read.
func (l *slowLink) relay(dst, src net.Conn) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 1024)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{buf[:n], time.Now().Add(l.half)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	for range q { // drain, so the reader can end
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	} else {
		dst.Close()
	}
}

// BenchmarkTwentyTenantsSlowLink: 200 goroutines ask one new credential for
// first tokens in 20 tenants at once, over a link with a 50 ms round trip,
// on new connections (as a process that just started). ns/op is the wall
// time of the whole rush: the floor is the TCP and TLS handshakes (two round
// trips) plus the token request (one), 150 ms.
func BenchmarkTwentyTenantsSlowLink(b *testing.B) {
	srv := graphauthtest.NewServer(nil)
	defer srv.Close()
	tenants := addTenants(srv, 20)
	u, err := url.Parse(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	link := newSlowLink(b, u.Host, 50*time.Millisecond)
	client := srv.Client()
	far := target{srv, "https://" + link.ln.Addr().String(), client}
	for _, p := range peers {
		b.Run(p.name, func(b *testing.B) {
			total := 0
			for b.Loop() {
				client.CloseIdleConnections() // a process that just started
				total += rush(b, srv, p.make(b, far), tenants, 200)
			}
			b.ReportMetric(float64(total)/float64(b.N), "requests/op")
		})
	}
}
