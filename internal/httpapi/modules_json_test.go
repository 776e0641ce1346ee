package httpapi

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"gatehouse/internal/records"
)

// The list path writes JSON by hand; it must be byte for byte what
// encoding/json writes, for every string a record may hold.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rcr\b\f",
		"\x00\x01\x1f\x7f", "naïve — ünïcödé ✓ 🚀", "\u2028\u2029", "bad \xff\xfe utf8", "\xe2\x82"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, encoding/json writes %s", s, got, want)
		}
	}
}

func TestAppendRecordIsValidJSONWithEveryKind(t *testing.T) {
	for _, m := range records.All() {
		rec := records.Record{ID: 7, CustomerID: 3, Values: m.Defaults(), CreatedAt: time.Unix(1, 5e6).UTC(), UpdatedAt: time.Unix(2, 0).UTC()}
		rec.Lines = []records.Line{{Description: "a \"line\"", Quantity: 2, UnitPrice: 150, Amount: 300}}
		for _, f := range m.Fields {
			switch f.Kind {
			case records.Ref, records.UserRef:
				rec.Values[f.Name] = int64(42)
			case records.Time:
				rec.Values[f.Name] = time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC)
			case records.JSONDoc:
				rec.Values[f.Name] = `{"a": [1, 2]}`
			}
		}
		out := appendRecord(nil, m, rec)
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: %v in %s", m.Key, err, out)
		}
		if got["id"] != "7" || got["customer_id"] != "3" || got["created_at"] != "1970-01-01T00:00:01.005Z" {
			t.Fatalf("%s: %s", m.Key, out)
		}
		for _, f := range m.Fields {
			if _, ok := got[f.Name]; !ok {
				t.Fatalf("%s: no %s in %s", m.Key, f.Name, out)
			}
		}
	}
}
