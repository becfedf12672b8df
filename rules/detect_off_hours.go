package rules

import (
	"fmt"
	"time"

	"github.com/idcmd/idcmd/events"
)

// offHours fires on a successful sign-in outside the working day, in the
// working day's own zone (so the daylight-saving change moves the day with
// the clocks), and on weekends when configured.
type offHours struct {
	cfg        OffHours
	loc        *time.Location
	start, end int // minutes after midnight
}

func (offHours) Name() string { return DetectOffHours }

func (d offHours) Detect(ev events.Event, _ *Memory) *Finding {
	if kindOf(ev) != signInSucceeded {
		return nil
	}
	local := ev.Time.In(d.loc)
	minute := local.Hour()*60 + local.Minute()
	weekend := local.Weekday() == time.Saturday || local.Weekday() == time.Sunday
	var within bool
	if d.start < d.end {
		within = minute >= d.start && minute < d.end
	} else { // a working day across midnight (22:00–06:00)
		within = minute >= d.start || minute < d.end
	}
	why := ""
	switch {
	case d.cfg.Weekends && weekend:
		why = "on a " + local.Weekday().String()
	case !within:
		why = fmt.Sprintf("outside %s–%s", d.cfg.Start, d.cfg.End)
	default:
		return nil
	}
	return &Finding{
		Detector: DetectOffHours, Raises: d.cfg.Raises,
		Summary: fmt.Sprintf("Sign-in at %s %s, %s", local.Format("Mon 15:04"), d.cfg.TimeZone, why),
		Evidence: map[string]any{
			"local_time": local.Format(time.RFC3339), "time_zone": d.cfg.TimeZone,
			"working_day": d.cfg.Start + "-" + d.cfg.End, "weekday": local.Weekday().String(), "weekends_off_hours": d.cfg.Weekends,
		},
	}
}
