package commands

import (
	"context"
	"strconv"
	"strings"

	"github.com/idcmd/idcmd/providers/okta"
	"github.com/idcmd/idcmd/providers/upstream"
)

// The edits okta-block-ip and okta-unblock-ip make to a blocklist zone's
// gateways, and the one locked read-modify-write that applies them (see
// okta_zones.go for why it is locked and what that covers).

// zoneEdit is what an edit of a zone's gateways decided: the new list,
// and what became of each requested entry.
type zoneEdit struct {
	gateways []okta.ZoneAddress
	diff     zoneDiff
	write    bool
}

// zoneDiff is what an edit did, entry by entry; every list is non-nil so
// that context shows an empty list rather than nothing.
type zoneDiff struct {
	added, removed, alreadyPresent, notPresent, stillBlocked []string
	changed                                                  bool
}

func newEdit() zoneEdit {
	return zoneEdit{diff: zoneDiff{added: []string{}, removed: []string{}, alreadyPresent: []string{}, notPresent: []string{}, stillBlocked: []string{}}}
}

func (d zoneDiff) zoneChange(action string, z *okta.Zone) OktaZoneChange {
	return OktaZoneChange{OktaZone: oktaZone(z), Action: action, Changed: d.changed}
}

// appendEntries adds what the zone does not block yet and keeps every
// entry it has, in order, unreadable ones included.
func appendEntries(cur []okta.ZoneAddress, want []ipEntry) zoneEdit {
	e := newEdit()
	e.gateways = append([]okta.ZoneAddress{}, cur...)
	for _, w := range want {
		if by, ok := coveredBy(e.gateways, w); ok {
			e.diff.alreadyPresent = append(e.diff.alreadyPresent, presentAs(w, by))
			continue
		}
		e.gateways = append(e.gateways, w.addr)
		e.diff.added = append(e.diff.added, w.addr.Value)
	}
	e.write = len(e.diff.added) > 0
	return e
}

// overrideEntries makes want the zone's whole list. It writes only when
// the list really changes.
func overrideEntries(cur []okta.ZoneAddress, want []ipEntry) zoneEdit {
	e := newEdit()
	for _, w := range want {
		e.gateways = append(e.gateways, w.addr)
		if _, ok := sameIn(cur, w); ok {
			e.diff.alreadyPresent = append(e.diff.alreadyPresent, w.addr.Value)
		} else {
			e.diff.added = append(e.diff.added, w.addr.Value)
		}
	}
	for _, c := range cur {
		ce, ok := zoneEntry(c)
		kept := false
		for _, w := range want {
			kept = kept || (ok && ce.same(w))
		}
		if !kept {
			e.diff.removed = append(e.diff.removed, c.Value)
		}
	}
	e.write = len(e.diff.added) > 0 || len(e.diff.removed) > 0
	return e
}

// removeEntries drops the entries covering exactly the addresses asked
// for, and keeps every other.
func removeEntries(cur []okta.ZoneAddress, want []ipEntry) zoneEdit {
	e := newEdit()
	drop := map[int]bool{}
	for _, w := range want {
		found := false
		for i, c := range cur {
			if ce, ok := zoneEntry(c); ok && ce.same(w) && !drop[i] {
				drop[i], found = true, true
				e.diff.removed = append(e.diff.removed, c.Value)
			}
		}
		if !found {
			e.diff.notPresent = append(e.diff.notPresent, w.addr.Value)
		}
	}
	for i, c := range cur {
		if !drop[i] {
			e.gateways = append(e.gateways, c)
		}
	}
	for _, w := range want {
		if by, ok := coveredBy(e.gateways, w); ok {
			e.diff.stillBlocked = append(e.diff.stillBlocked, w.addr.Value+" (by "+by+")")
		}
	}
	e.write = len(e.diff.removed) > 0
	return e
}

// coveredBy returns the first readable entry that covers w.
func coveredBy(list []okta.ZoneAddress, w ipEntry) (string, bool) {
	for _, c := range list {
		if ce, ok := zoneEntry(c); ok && ce.covers(w) {
			return c.Value, true
		}
	}
	return "", false
}

// sameIn returns the entry covering exactly w's addresses.
func sameIn(list []okta.ZoneAddress, w ipEntry) (string, bool) {
	for _, c := range list {
		if ce, ok := zoneEntry(c); ok && ce.same(w) {
			return c.Value, true
		}
	}
	return "", false
}

func presentAs(w ipEntry, by string) string {
	if by == w.addr.Value {
		return by
	}
	return w.addr.Value + " (in " + by + ")"
}

// editBlocklist runs one read-modify-write of a blocklist zone under the
// zone's lock: resolve the zone, lock it, read it fresh, edit, replace,
// and read it again to confirm the edit holds. It returns what the edit
// did and the zone as Okta holds it now.
func editBlocklist(ctx context.Context, p Providers, zoneArg string, edit func([]okta.ZoneAddress) zoneEdit) (zoneDiff, *okta.Zone, error) {
	c, err := p.oktaClient()
	if err != nil {
		return zoneDiff{}, nil, err
	}
	ref, field := zoneArg, "body.zone"
	if ref == "" {
		ref, field = c.BlocklistZone(), ""
	}
	z, err := findZone(ctx, c, ref, field)
	if err != nil {
		return zoneDiff{}, nil, err
	}
	if err := checkBlocklist(z, field, ref); err != nil {
		return zoneDiff{}, nil, err
	}
	unlock, err := c.LockZone(ctx, z.ID)
	if err != nil {
		return zoneDiff{}, nil, err
	}
	defer unlock()
	// The zone as it is now: another call may have changed it while this
	// one waited for the lock.
	cur, err := c.GetZone(ctx, z.ID)
	if err != nil {
		return zoneDiff{}, nil, err
	}
	if err := checkBlocklist(cur, field, ref); err != nil {
		return zoneDiff{}, nil, err
	}
	e := edit(cur.Gateways)
	e.diff.changed = e.write
	if !e.write {
		return e.diff, cur, nil
	}
	body, err := cur.WithGateways(e.gateways)
	if err != nil {
		return zoneDiff{}, nil, err
	}
	if _, err := c.ReplaceZone(ctx, cur.ID, body); err != nil {
		return zoneDiff{}, nil, err
	}
	final, err := c.GetZone(ctx, cur.ID)
	if err != nil {
		return zoneDiff{}, nil, err
	}
	if err := confirmEdit(final, e.diff); err != nil {
		return zoneDiff{}, nil, err
	}
	return e.diff, final, nil
}

// confirmEdit checks the zone read back after the replacement: every
// entry added is there and every entry removed is gone. Anything else
// means another writer replaced the zone in between.
func confirmEdit(z *okta.Zone, d zoneDiff) error {
	var missing, back []string
	for _, v := range d.added {
		if !hasValue(z.Gateways, v) {
			missing = append(missing, v)
		}
	}
	for _, v := range d.removed {
		if hasValue(z.Gateways, v) {
			back = append(back, v)
		}
	}
	if len(missing) == 0 && len(back) == 0 {
		return nil
	}
	msg := "zone " + z.Name + " changed while idcmd was writing it (another idcmd replica or an admin?)"
	if len(missing) > 0 {
		msg += "; not in the zone: " + strings.Join(missing, ", ")
	}
	if len(back) > 0 {
		msg += "; still in the zone: " + strings.Join(back, ", ")
	}
	return &upstream.Error{Provider: "okta", Kind: upstream.Conflict, Message: msg + ". Run the command again."}
}

func hasValue(list []okta.ZoneAddress, v string) bool {
	want, ok := zoneEntry(okta.ZoneAddress{Type: addrType(v), Value: v})
	for _, a := range list {
		if a.Value == v {
			return true
		}
		if ae, aok := zoneEntry(a); ok && aok && ae.same(want) {
			return true
		}
	}
	return false
}

func addrType(v string) string {
	if strings.Contains(v, "-") {
		return okta.AddressRange
	}
	return okta.AddressCIDR
}

// table is the war-room text of an edit: each requested entry's result,
// then the zone's entries.
func (d zoneDiff) table(c OktaZoneChange) string {
	var rows [][]string
	add := func(result string, values []string) {
		for _, v := range values {
			rows = append(rows, []string{v, result})
		}
	}
	add("added", d.added)
	add("removed", d.removed)
	add("already blocked", d.alreadyPresent)
	add("not in the zone", d.notPresent)
	add("still blocked", d.stillBlocked)
	title := "Okta zone " + c.Name + ": " + strconv.Itoa(len(d.added)) + " added, " + strconv.Itoa(len(d.removed)) + " removed"
	if !c.Changed {
		title = "Okta zone " + c.Name + ": nothing to change"
	}
	out := table(title, []string{"Entry", "Result"}, rows)
	if c.Status != "ACTIVE" {
		out += "\n**The zone is " + c.Status + ": it blocks nothing until it is activated.**\n"
	}
	return out + entriesTable(c.OktaZone)
}
