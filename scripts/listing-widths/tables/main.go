// Renders rows as the platform CLI's `collaborators` command does
// (collaborators/list.go: the same calls on the same vendored tablewriter).
// Input on stdin: JSON [[email, username, status, role], ...], the owner's
// row first. Built by scripts/listing-widths.sh --tables.
package main

import (
	"encoding/json"
	"os"

	"github.com/olekukonko/tablewriter"
)

func main() {
	var rows [][]string
	if err := json.NewDecoder(os.Stdin).Decode(&rows); err != nil {
		os.Stderr.WriteString("rows: " + err.Error() + "\n")
		os.Exit(2)
	}
	t := tablewriter.NewWriter(os.Stdout)
	t.Header([]string{"Email", "Username", "Status", "Role"})
	for _, r := range rows {
		_ = t.Append(r)
	}
	_ = t.Render()
}
