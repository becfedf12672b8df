package commands

import (
	"strings"
	"time"
)

// table renders a compact Markdown table for a war room: a heading, then one
// row per item. Cells are escaped so a display name with a pipe or a newline
// cannot break the table.
func table(title string, headers []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("### ")
	b.WriteString(title)
	b.WriteString("\n")
	if len(rows) == 0 {
		b.WriteString("**No entries.**\n")
		return b.String()
	}
	b.WriteString("|")
	for _, h := range headers {
		b.WriteString(escapeCell(h))
		b.WriteString("|")
	}
	b.WriteString("\n|")
	for range headers {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(escapeCell(c))
			b.WriteString("|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

var cellEscaper = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")

func escapeCell(s string) string { return cellEscaper.Replace(s) }

// stamp formats an optional time for a table cell.
func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
