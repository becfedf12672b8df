package rules

import "github.com/idcmd/idcmd/events"

// Memory is what the detectors remember of the events decided so far.
type Memory struct{}

// NewMemory returns an empty memory sized for d's windows.
func NewMemory(d Detectors) *Memory { return &Memory{} }

// Observe remembers ev.
func (m *Memory) Observe(ev events.Event) {}

func (d Detectors) validate() error { return nil }

func (d Detectors) build(dir Directory) ([]Detector, error) { return nil, nil }
