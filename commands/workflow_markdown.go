package commands

import "strconv"

// StepsTable renders a workflow's steps as one war-room table: what each
// step was for, the command, its status, its audit record and approval,
// and why a step was not done. Cells are escaped like every command's
// tables, so an error text or a device nickname cannot break it.
func StepsTable(title string, steps []StepResult) string {
	rows := make([][]string, 0, len(steps))
	for _, s := range steps {
		cmd := s.Command
		if s.EffectiveCommand != "" {
			cmd += " (" + s.EffectiveCommand + ")"
		}
		if cmd == "" {
			cmd = "—"
		}
		audit := ""
		if s.AuditID > 0 {
			audit = "#" + strconv.FormatInt(s.AuditID, 10)
		}
		rows = append(rows, []string{s.Step, cmd, s.Status, audit, s.ApprovalID, s.Detail})
	}
	return table(title, []string{"Step", "Command", "Status", "Audit", "Approval", "Detail"}, rows)
}
