// Package delivery holds the write-back targets that deliver what the
// event rules route (rules.Kind*): an XDR alert per event, an XSOAR
// incident per event (and a war-room entry per repeat of its group), and
// the user's cloud blast radius from Prisma Cloud. The decider queues the
// deliveries with its decisions; the write-back worker (writeback.Worker,
// its Kinds map) claims them and calls these targets, which read the event
// and its decision back from the store, so a delivery carries no copy of
// either and a retry sees what the store holds.
package delivery
