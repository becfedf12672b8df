package workflows

import (
	"strings"
	"time"
)

// cellEscaper keeps provider text (a group name, a reason) inside its
// table cell and out of Markdown: pipes, newlines and the characters that
// start emphasis, links or HTML are escaped.
var cellEscaper = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", `\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`,
	"[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "`", "\\`")

func cell(s string) string { return cellEscaper.Replace(s) }

// table renders a Markdown table with a heading; an empty one says so.
func table(title string, headers []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("### " + cell(title) + "\n")
	if len(rows) == 0 {
		b.WriteString("**No entries.**\n")
		return b.String()
	}
	b.WriteString("|")
	for _, h := range headers {
		b.WriteString(cell(h) + "|")
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(headers)) + "\n")
	for _, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(cell(c) + "|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// stamp formats an optional time for a table cell.
func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
