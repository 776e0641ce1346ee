// Package accessmap draws who can reach which customer as an SVG grid:
// one row per user or group, one column per customer, each cell shaded
// by how many permissions apply there. It does no I/O.
package accessmap

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Label names a row or a column.
type Label struct {
	Name string
	Note string // shown after the name, e.g. "global admin"
}

// Cell is one row's access to one column's customer.
type Cell struct {
	Count   int      // permissions that apply on the customer
	Details []string // shown as the cell's tooltip
}

// Map is the grid to draw. Cells[r][c] belongs to Rows[r] and Cols[c].
type Map struct {
	Title string
	Rows  []Label
	Cols  []Label
	Cells [][]Cell
	Max   int // the count drawn darkest; 0 means the largest count present
}

const (
	cell     = 18
	rowLabel = 240
	colLabel = 150
	legendH  = 40
)

// Render returns the map as a standalone SVG document.
func Render(m Map) []byte {
	max := m.Max
	if max == 0 {
		for _, row := range m.Cells {
			for _, c := range row {
				max = maxInt(max, c.Count)
			}
		}
	}
	// Column labels lean right past the last column; the legend needs room.
	w := maxInt(rowLabel+len(m.Cols)*cell+colLabel, 440)
	h := colLabel + len(m.Rows)*cell + legendH
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s" font-family="system-ui, sans-serif" font-size="12">`,
		w, h, w, h, esc(m.Title))
	fmt.Fprintf(&b, `<title>%s</title><rect width="100%%" height="100%%" fill="#fff"/>`, esc(m.Title))
	for c, col := range m.Cols {
		x := rowLabel + c*cell + cell/2
		fmt.Fprintf(&b, `<text transform="translate(%d %d) rotate(-55)" fill="#222">%s</text>`, x, colLabel-6, esc(trim(col.Name, 22)))
	}
	for r, row := range m.Rows {
		y := colLabel + r*cell
		name := trim(row.Name, 30)
		if row.Note != "" {
			name += " (" + row.Note + ")"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#222">%s</text>`, rowLabel-8, y+cell-5, esc(name))
		for c := range m.Cols {
			drawCell(&b, rowLabel+c*cell, y, m.Cells[r][c], max, row.Name, m.Cols[c].Name)
		}
	}
	drawLegend(&b, colLabel+len(m.Rows)*cell+12, max)
	b.WriteString(`</svg>`)
	return b.Bytes()
}

func drawCell(b *bytes.Buffer, x, y int, c Cell, max int, row, col string) {
	tip := fmt.Sprintf("%s → %s: no access", row, col)
	if c.Count > 0 {
		tip = fmt.Sprintf("%s → %s: %d permission(s)", row, col, c.Count)
		if len(c.Details) > 0 {
			tip += "\n" + strings.Join(c.Details, "\n")
		}
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ddd"><title>%s</title></rect>`,
		x, y, cell, cell, shade(c.Count, max), esc(tip))
}

func drawLegend(b *bytes.Buffer, y, max int) {
	fmt.Fprintf(b, `<text x="8" y="%d" fill="#222">Permissions on the customer:</text>`, y+12)
	steps := []int{0, 1, (max + 1) / 2, max}
	x := 190
	for _, s := range steps {
		if s > max && s != 0 {
			continue
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#999"/><text x="%d" y="%d" fill="#222">%d</text>`,
			x, y, cell, cell, shade(s, max), x+cell+4, y+12, s)
		x += 60
	}
}

// shade maps a count to a colour from pale to dark blue; none is grey.
func shade(n, max int) string {
	if n <= 0 || max <= 0 {
		return "#f3f4f6"
	}
	f := float64(n) / float64(max)
	light := 88 - int(f*58) // lightness 88% … 30%
	return fmt.Sprintf("hsl(214, 80%%, %d%%)", light)
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func trim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
