package accessmap

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestRenderIsWellFormedAndEscapesNames(t *testing.T) {
	m := Map{
		Title: "Access",
		Rows:  []Label{{Name: "Ann"}, {Name: `<script>alert(1)</script>`, Note: "global admin"}},
		Cols:  []Label{{Name: "Acme & Co"}, {Name: "Beta"}},
		Cells: [][]Cell{{{Count: 3, Details: []string{"assets.view"}}, {}}, {{Count: 6}, {Count: 6}}},
	}
	svg := string(Render(m))
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	if strings.Contains(svg, "<script>") || !strings.Contains(svg, "&lt;script&gt;") || !strings.Contains(svg, "Acme &amp; Co") {
		t.Fatal("names are not escaped")
	}
	if got := strings.Count(svg, "Ann → Beta: no access"); got != 1 {
		t.Fatalf("the empty cell is not described: %d", got)
	}
	if !strings.Contains(svg, "Ann → Acme &amp; Co: 3 permission(s)") {
		t.Fatal("a granted cell is not described")
	}
}

func TestShadeDarkensWithCount(t *testing.T) {
	if shade(0, 5) != "#f3f4f6" || shade(1, 5) == shade(5, 5) {
		t.Fatalf("shades: %s %s %s", shade(0, 5), shade(1, 5), shade(5, 5))
	}
}
