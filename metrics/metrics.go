// Package metrics holds idcmd's Prometheus collectors: per-command runs,
// errors and latency, and per-provider calls and latency by status. The
// command and provider packages only call the Observe functions, so they do
// not depend on Prometheus.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one registry with idcmd's collectors.
type Metrics struct {
	registry         *prometheus.Registry
	commandRuns      *prometheus.CounterVec
	commandErrors    *prometheus.CounterVec
	commandDuration  *prometheus.HistogramVec
	providerCalls    *prometheus.CounterVec
	providerDuration *prometheus.HistogramVec
	writeBacks       *prometheus.CounterVec
	events           *prometheus.CounterVec
	polls            *prometheus.CounterVec
	pollFailing      *prometheus.GaugeVec
	decisions        *prometheus.CounterVec
}

// latencyBuckets span a sub-millisecond cache hit to a rate-limited wait.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New registers the collectors on a fresh registry (no global state).
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		commandRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idcmd_command_runs_total", Help: "Command runs by command and outcome (success, rejected, error).",
		}, []string{"command", "outcome"}),
		commandErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idcmd_command_errors_total", Help: "Command runs that failed after being accepted, by command.",
		}, []string{"command"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "idcmd_command_duration_seconds", Help: "Command latency, provider calls included.", Buckets: latencyBuckets,
		}, []string{"command"}),
		providerCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idcmd_provider_calls_total", Help: "Calls to outside systems by provider, operation and HTTP status (0: no response).",
		}, []string{"provider", "operation", "status"}),
		providerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "idcmd_provider_call_duration_seconds", Help: "Latency of calls to outside systems by provider and HTTP status.", Buckets: latencyBuckets,
		}, []string{"provider", "status"}),
		writeBacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idcmd_writeback_attempts_total", Help: "Incident write-back attempts by platform and outcome (delivered, retry, failed, interrupted: cut off or given back at shutdown, not counted).",
		}, []string{"platform", "outcome"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idcmd_events_received_total", Help: "Identity events received by provider, source (hook, poll) and result (stored, duplicate, rejected: stored as unreadable).",
		}, []string{"provider", "source", "result"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idcmd_event_polls_total", Help: "Event poller rounds by provider and outcome (ok, error, standby: another replica holds the lease).",
		}, []string{"provider", "outcome"}),
		pollFailing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "idcmd_event_poll_consecutive_failures", Help: "Poller rounds that failed in a row, by provider (0 once one succeeds).",
		}, []string{"provider"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idcmd_event_decisions_total", Help: "Identity events decided by the rules, by provider, severity and whether a detector flagged them (suspicious true or false).",
		}, []string{"provider", "severity", "suspicious"}),
	}
	m.registry.MustRegister(m.commandRuns, m.commandErrors, m.commandDuration, m.providerCalls, m.providerDuration, m.writeBacks,
		m.events, m.polls, m.pollFailing, m.decisions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveCommand records one command run.
func (m *Metrics) ObserveCommand(command, outcome string, elapsed time.Duration) {
	m.commandRuns.WithLabelValues(command, outcome).Inc()
	if outcome == "error" {
		m.commandErrors.WithLabelValues(command).Inc()
	}
	m.commandDuration.WithLabelValues(command).Observe(elapsed.Seconds())
}

// ObserveProvider records one call to an outside system.
func (m *Metrics) ObserveProvider(provider, operation string, status int, elapsed time.Duration) {
	s := strconv.Itoa(status)
	m.providerCalls.WithLabelValues(provider, operation, s).Inc()
	m.providerDuration.WithLabelValues(provider, s).Observe(elapsed.Seconds())
}

// ObserveWriteBack records one write-back attempt.
func (m *Metrics) ObserveWriteBack(platform, outcome string) {
	m.writeBacks.WithLabelValues(platform, outcome).Inc()
}

// ObserveEvents records n identity events received with one result.
func (m *Metrics) ObserveEvents(provider, source, result string, n int) {
	if n > 0 {
		m.events.WithLabelValues(provider, source, result).Add(float64(n))
	}
}

// ObserveDecision records one event decided by the rules.
func (m *Metrics) ObserveDecision(provider, severity string, suspicious bool) {
	m.decisions.WithLabelValues(provider, severity, strconv.FormatBool(suspicious)).Inc()
}

// ObservePoll records one poller round and how many have failed in a row.
func (m *Metrics) ObservePoll(provider, outcome string, failingInARow int) {
	m.polls.WithLabelValues(provider, outcome).Inc()
	m.pollFailing.WithLabelValues(provider).Set(float64(failingInARow))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
