package audit

import (
	"encoding/json"
	"testing"
	"time"
)

func chain(n int) []Entry {
	var out []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		after, _ := Encode(map[string]any{"name": "g", "i": i})
		e := Entry{ID: int64(100 + i), AccountID: 7, Seq: int64(i), At: time.UnixMilli(int64(1e12 + i)),
			Actor: Actor{UserID: 3, Email: "a@x.example", IP: "127.0.0.1"}, Action: "security_group.update",
			TargetType: "security_group", TargetID: 9, After: after, PrevHash: prev}
		e.Hash = ComputeHash(e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func verify(es []Entry, headSeq int64, headHash string) *Problem {
	v := NewVerifier(7)
	for _, e := range es {
		if p := v.Next(e); p != nil {
			return p
		}
	}
	return v.End(headSeq, headHash)
}

func TestAnIntactChainVerifies(t *testing.T) {
	es := chain(5)
	if p := verify(es, 5, es[4].Hash); p != nil {
		t.Fatal(p)
	}
}

func TestTamperingIsFoundAndNamed(t *testing.T) {
	cases := []struct {
		name    string
		tamper  func([]Entry) ([]Entry, int64)
		wantSeq int64
	}{
		{"an edited value", func(es []Entry) ([]Entry, int64) {
			es[2].After = json.RawMessage(`{"name":"evil","i":3}`)
			return es, 5
		}, 3},
		{"an edited actor", func(es []Entry) ([]Entry, int64) { es[1].Actor.Email = "someone@else.example"; return es, 5 }, 2},
		{"an edited time", func(es []Entry) ([]Entry, int64) { es[3].At = es[3].At.Add(time.Hour); return es, 5 }, 4},
		{"a removed entry", func(es []Entry) ([]Entry, int64) { return append(es[:1], es[2:]...), 5 }, 2},
		{"a rehashed edit breaks the next link", func(es []Entry) ([]Entry, int64) {
			es[1].Action = "nothing.happened"
			es[1].Hash = ComputeHash(es[1])
			return es, 5
		}, 3},
		{"removed newest entries", func(es []Entry) ([]Entry, int64) { return es[:3], 5 }, 4},
		{"swapped entries", func(es []Entry) ([]Entry, int64) { es[1], es[2] = es[2], es[1]; return es, 5 }, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es := chain(5)
			head := es[4].Hash
			es, headSeq := tc.tamper(es)
			p := verify(es, headSeq, head)
			if p == nil || p.Seq != tc.wantSeq {
				t.Fatalf("problem = %v, want one at #%d", p, tc.wantSeq)
			}
		})
	}
}
