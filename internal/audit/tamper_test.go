package audit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// notHashed are the fields of Entry the chain deliberately leaves out of
// the hash, each with the reason. Every other field — including any field
// added to Entry later — is tampered with below and must be caught (the
// Hash field too: an edited hash no longer matches the content).
var notHashed = map[string]string{
	"ID": "the storage row id; the chain is ordered and linked by Seq",
}

// leaf is one settable scalar field of Entry, nested ones by path ("Actor.IP").
type leaf struct {
	path  string
	index []int
}

// entryLeaves walks Entry by reflection, so a new field cannot be missed.
func entryLeaves() []leaf {
	var out []leaf
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(append([]int{}, index...), i)
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
				walk(f.Type, prefix+f.Name+".", idx)
				continue
			}
			out = append(out, leaf{path: prefix + f.Name, index: idx})
		}
	}
	walk(reflect.TypeFor[Entry](), "", nil)
	return out
}

// tampered returns v changed as little as the stored form allows, or
// cleared to its zero value.
func tampered(t *testing.T, v reflect.Value, clear bool) reflect.Value {
	t.Helper()
	out := reflect.New(v.Type()).Elem()
	if clear {
		return out
	}
	switch x := v.Interface().(type) {
	case int64:
		out.SetInt(x + 1)
	case string:
		out.SetString(x + "x")
	case time.Time:
		out.Set(reflect.ValueOf(x.Add(time.Millisecond))) // the stored precision
	case json.RawMessage:
		changed := strings.Replace(string(x), `"i":`, `"j":`, 1)
		if changed == string(x) {
			changed += " "
		}
		out.Set(reflect.ValueOf(json.RawMessage(changed)))
	default:
		t.Fatalf("no way to tamper with a %s: teach tampered() the new field type", v.Type())
	}
	return out
}

// fullChain is chain(n) with every field set, so that clearing any field
// is a change too; fields chain() does not set get a generated value.
func fullChain(t *testing.T, n int) []Entry {
	es := chain(n)
	prev := ""
	for i := range es {
		before, _ := Encode(map[string]any{"name": "before", "i": i + 1})
		es[i].CustomerID, es[i].Before, es[i].PrevHash = 11, before, prev
		v := reflect.ValueOf(&es[i]).Elem()
		for _, l := range entryLeaves() {
			f := v.FieldByIndex(l.index)
			if f.IsZero() && l.path != "PrevHash" && l.path != "Hash" {
				f.Set(tampered(t, f, false)) // a field chain() does not know yet
			}
		}
		es[i].Hash = ComputeHash(es[i])
		prev = es[i].Hash
	}
	return es
}

// Every field of an entry is tampered with, one at a time, on an entry in
// the middle of the chain and on the newest; the verifier must name that
// entry each time.
func TestTamperingWithAnyHashedFieldIsFoundAtThatEntry(t *testing.T) {
	leaves := entryLeaves()
	if len(leaves) < 14 {
		t.Fatalf("only %d fields found in Entry", len(leaves))
	}
	for _, l := range leaves {
		if _, skip := notHashed[l.path]; skip {
			continue
		}
		for _, at := range []int{2, 4} {
			for _, clear := range []bool{false, true} {
				how := "changed"
				if clear {
					how = "cleared"
				}
				t.Run(fmt.Sprintf("%s %s on entry #%d", l.path, how, at+1), func(t *testing.T) {
					es := fullChain(t, 5)
					head := es[4].Hash
					victim := es[at]
					f := reflect.ValueOf(&es[at]).Elem().FieldByIndex(l.index)
					if clear && f.IsZero() {
						t.Skip("already empty")
					}
					f.Set(tampered(t, f, clear))
					p := verify(es, 5, head)
					if p == nil {
						t.Fatalf("%s %s: the chain still verifies; is it in ComputeHash?", l.path, how)
					}
					if !namesEntry(p, victim) {
						t.Fatalf("%s %s: problem %v does not name entry #%d (row id %d)", l.path, how, p, victim.Seq, victim.ID)
					}
				})
			}
		}
	}
}

// namesEntry reports whether p points at e: by its row id, or — when the
// entry's sequence number itself was changed — as the entry missing there.
func namesEntry(p *Problem, e Entry) bool {
	return p.EntryID == e.ID || (p.EntryID == 0 && p.Seq == e.Seq)
}

// The fields left out of the hash are exactly the listed ones: tampering
// with one of them alone must not be what verify trips over, or the list
// is stale.
func TestTheUnhashedFieldsAreOnlyTheListedOnes(t *testing.T) {
	paths := map[string]bool{}
	for _, l := range entryLeaves() {
		paths[l.path] = true
	}
	for name := range notHashed {
		if !paths[name] {
			t.Errorf("notHashed lists %s, which Entry no longer has", name)
		}
	}
	es := fullChain(t, 3)
	before := ComputeHash(es[1])
	es[1].ID++
	if ComputeHash(es[1]) != before {
		t.Error("the row id is hashed after all: drop it from notHashed")
	}
}

// Moving characters from one text field to the next must change the
// hash: fields are length-prefixed, not simply concatenated.
func TestFieldBoundariesAreHashed(t *testing.T) {
	var texts []leaf
	for _, l := range entryLeaves() {
		k := reflect.TypeFor[Entry]().FieldByIndex(l.index).Type
		if _, skip := notHashed[l.path]; !skip && l.path != "Hash" && (k.Kind() == reflect.String || k == reflect.TypeFor[json.RawMessage]()) {
			texts = append(texts, l)
		}
	}
	for i, a := range texts {
		for _, b := range texts[i+1:] {
			e := fullChain(t, 1)[0]
			v := reflect.ValueOf(&e).Elem()
			fa, fb := v.FieldByIndex(a.index), v.FieldByIndex(b.index)
			setText(fa, "ab")
			setText(fb, "c")
			h1 := ComputeHash(e)
			setText(fa, "a")
			setText(fb, "bc")
			if ComputeHash(e) == h1 {
				t.Errorf("moving a character from %s to %s leaves the hash unchanged", a.path, b.path)
			}
		}
	}
}

func setText(v reflect.Value, s string) {
	if v.Kind() == reflect.String {
		v.SetString(s)
		return
	}
	v.SetBytes([]byte(s))
}

// An entry edited and rehashed, with the next entry's link patched to
// match, still breaks the chain there: the link is part of the hash.
func TestARehashedEditWithThePatchedLinkIsFound(t *testing.T) {
	es := fullChain(t, 5)
	head := es[4].Hash
	es[1].Action = "nothing.happened"
	es[1].Hash = ComputeHash(es[1])
	es[2].PrevHash = es[1].Hash
	p := verify(es, 5, head)
	if p == nil || !namesEntry(p, es[2]) {
		t.Fatalf("problem %v, want one at entry #3", p)
	}
}
