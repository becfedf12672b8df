package store

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The audit export format: JSON lines, one AuditRecord per line in Seq order,
// with the field names of AuditRecord's JSON (seq, time, request_id, …,
// prev_hash, hash, writeback_id). Every line re-hashes to its hash with the
// encoding documented on auditHash, and links to the line before by
// prev_hash, so a file verifies on its own and files verify as one history.
//
// Args and Incident are hashed as their exact bytes, so they are written
// exactly as stored: encoding/json would compact a RawMessage and escape
// <, > and & in it, which changes the bytes and breaks the hash. A value whose
// bytes contain a line break (JSON allows one as whitespace) cannot sit on one
// line as is; it is written instead as args_raw / incident_raw, a JSON
// string holding the exact bytes. Times are RFC 3339 in UTC with microsecond
// precision at most, as stored.

// ExportSummary describes one export: where it starts and ends in the chain.
type ExportSummary struct {
	// From is the record before the first exported one (its Seq and Hash:
	// the first line's prev_hash), {0, ""} for an export from genesis.
	From AuditAnchor `json:"from"`
	// Last is the last exported record; From when the export is empty.
	Last    AuditAnchor `json:"last"`
	Records int64       `json:"records"`
	// LastTime is the Time of the last record (zero when empty).
	LastTime time.Time `json:"last_time,omitzero"`
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
}

// ExportRange selects what ExportAudit writes: the records after the anchor,
// in Seq order, up to the first that falls outside it.
type ExportRange struct {
	// Before ends the export at the first record recorded at or after it,
	// even if later records are older (a caller may set a record's Time):
	// an export, like a prune, is a prefix of the kept chain. Zero: no bound.
	Before time.Time
	// Through ends the export after record Through. Zero: the head.
	Through int64
	// Max bounds the number of records. Zero: no bound.
	Max int64
}

// ExportAudit writes the kept records selected by sel to w in the export
// format, checking the chain as it goes: a record that does not re-hash, a
// gap, a PrevHash that does not link (to the record before, or for the first
// one to the anchor), or a line that would not decode back to the same record
// stops it with an error. A prune therefore never deletes records that did
// not verify.
func ExportAudit(ctx context.Context, st Store, w io.Writer, sel ExportRange) (ExportSummary, error) {
	anchor, err := st.AuditAnchor(ctx)
	if err != nil {
		return ExportSummary{}, err
	}
	sum := ExportSummary{From: anchor, Last: anchor}
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	done := false
	stop := func() error { done = true; return ErrStopScan }
	for !done {
		const page = 1000
		n := 0
		err := st.ScanAudit(ctx, sum.Last.Seq, page, func(r AuditRecord) error {
			n++
			switch {
			case sel.Through > 0 && r.Seq > sel.Through,
				!sel.Before.IsZero() && !r.Time.Before(sel.Before),
				sel.Max > 0 && sum.Records >= sel.Max:
				return stop()
			case r.Seq != sum.Last.Seq+1:
				if now, err := st.AuditAnchor(ctx); err == nil && now.Seq > anchor.Seq {
					return fmt.Errorf("store: export audit: the anchor moved from %d to %d during the export (another prune): %w", anchor.Seq, now.Seq, ErrAnchorMoved)
				}
				return fmt.Errorf("store: export audit: record %d is missing (the next record is %d)", sum.Last.Seq+1, r.Seq)
			case r.PrevHash != sum.Last.prevHash():
				return fmt.Errorf("store: export audit: record %d does not link to record %d (or to the anchor)", r.Seq, sum.Last.Seq)
			case auditHash(r) != r.Hash:
				return fmt.Errorf("store: export audit: record %d does not match its hash", r.Seq)
			}
			line, err := encodeExportLine(r)
			if err != nil {
				return err
			}
			if _, err := bw.Write(line); err != nil {
				return fmt.Errorf("store: export audit: write: %w", err)
			}
			sum.Last = AuditAnchor{Seq: r.Seq, Hash: r.Hash}
			sum.LastTime = r.Time
			sum.Records++
			return nil
		})
		if err != nil {
			return sum, err
		}
		if n < page {
			done = true
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
	}
	if sel.Through > 0 && sum.Last.Seq < sel.Through && sel.Before.IsZero() && sel.Max == 0 {
		return sum, fmt.Errorf("store: export audit: through %d requested, the last record is %d", sel.Through, sum.Last.Seq)
	}
	if err := bw.Flush(); err != nil {
		return sum, fmt.Errorf("store: export audit: write: %w", err)
	}
	sum.SHA256 = hex.EncodeToString(h.Sum(nil))
	return sum, nil
}

// exportLine is one line of an export as decoded.
type exportLine struct {
	AuditRecord
	ArgsRaw     *string `json:"args_raw,omitempty"`
	IncidentRaw *string `json:"incident_raw,omitempty"`
}

// encodeExportLine is r as one line of the export format, newline included,
// checked to decode back to a record with r's hash.
func encodeExportLine(r AuditRecord) ([]byte, error) {
	body := r
	body.Args, body.Incident, body.WriteBack = nil, nil, nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("store: export audit record %d: %w", r.Seq, err)
	}
	line := bytes.TrimSuffix(buf.Bytes(), []byte("}\n"))
	raw := func(name string, v json.RawMessage) error {
		if len(v) == 0 {
			return nil
		}
		if bytes.ContainsAny(v, "\r\n") {
			s, err := json.Marshal(string(v))
			if err != nil {
				return err
			}
			line = append(append(line, `,"`+name+`_raw":`...), s...)
			return nil
		}
		line = append(append(line, `,"`+name+`":`...), v...)
		return nil
	}
	if err := raw("args", r.Args); err != nil {
		return nil, fmt.Errorf("store: export audit record %d: %w", r.Seq, err)
	}
	if err := raw("incident", r.Incident); err != nil {
		return nil, fmt.Errorf("store: export audit record %d: %w", r.Seq, err)
	}
	line = append(line, "}\n"...)
	back, err := decodeExportLine(line)
	if err != nil || auditHash(back) != r.Hash {
		return nil, fmt.Errorf("store: export audit record %d: its line does not decode to the same record (%v)", r.Seq, err)
	}
	return line, nil
}

// decodeExportLine decodes one line strictly: unknown fields and trailing
// data are errors.
func decodeExportLine(line []byte) (AuditRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var l exportLine
	if err := dec.Decode(&l); err != nil {
		return AuditRecord{}, err
	}
	if dec.More() {
		return AuditRecord{}, errors.New("more than one JSON value on the line")
	}
	r := l.AuditRecord
	if l.ArgsRaw != nil {
		if len(r.Args) > 0 {
			return AuditRecord{}, errors.New("both args and args_raw")
		}
		r.Args = json.RawMessage(*l.ArgsRaw)
	}
	if l.IncidentRaw != nil {
		if len(r.Incident) > 0 {
			return AuditRecord{}, errors.New("both incident and incident_raw")
		}
		r.Incident = json.RawMessage(*l.IncidentRaw)
	}
	if len(r.Args) == 0 {
		r.Args = nil
	}
	if len(r.Incident) == 0 {
		r.Incident = nil
	}
	r.Time = r.Time.UTC()
	return r, nil
}

// ExportFile is one export file as read back: its path and what it holds.
type ExportFile struct {
	Path string `json:"path"`
	ExportSummary
}

// ExportFileError is a file that does not verify: which file, which line
// (1-based; 0 for the file as a whole) and why.
type ExportFileError struct {
	Path   string
	Line   int64
	Reason string
}

func (e *ExportFileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", e.Path, e.Line, e.Reason)
	}
	return e.Path + ": " + e.Reason
}

// ReadExportFile reads and checks one export file: every line decodes
// strictly, re-hashes to its hash and links to the line before, and Seq
// counts up by one. capture, when a line has that Seq, receives the line's
// record (VerifyAuditHistory uses it to compare with the store's anchor).
// A file that does not verify is an *ExportFileError.
func ReadExportFile(path string, capture func(AuditRecord)) (ExportFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return ExportFile{}, fmt.Errorf("store: read export: %w", err)
	}
	defer f.Close()
	return readExport(path, f, capture)
}

func readExport(path string, rd io.Reader, capture func(AuditRecord)) (ExportFile, error) {
	out := ExportFile{Path: path}
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(rd, h), 64<<10)
	bad := func(line int64, format string, args ...any) (ExportFile, error) {
		return out, &ExportFileError{Path: path, Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	var n int64
	for {
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return out, fmt.Errorf("store: read export %s: %w", path, err)
		}
		n++
		if !bytes.HasSuffix(line, []byte("\n")) {
			return bad(n, "the last line has no newline: the file was cut short")
		}
		r, derr := decodeExportLine(line)
		switch {
		case derr != nil:
			return bad(n, "not an audit record: %v", derr)
		case auditHash(r) != r.Hash:
			return bad(n, "record %d does not match its hash: it was altered", r.Seq)
		case n == 1:
			if r.Seq < 1 {
				return bad(n, "seq %d is not a record", r.Seq)
			}
			out.From = AuditAnchor{Seq: r.Seq - 1, Hash: r.PrevHash}
			if r.Seq == 1 {
				if r.PrevHash != genesisHash {
					return bad(n, "record 1 does not start the chain (prev_hash is not the genesis value)")
				}
				out.From.Hash = ""
			}
		case r.Seq != out.Last.Seq+1:
			return bad(n, "record %d follows record %d: records are missing or out of order", r.Seq, out.Last.Seq)
		case r.PrevHash != out.Last.Hash:
			return bad(n, "record %d does not link to record %d (prev_hash differs)", r.Seq, out.Last.Seq)
		}
		if capture != nil {
			capture(r)
		}
		out.Last = AuditAnchor{Seq: r.Seq, Hash: r.Hash}
		out.LastTime = r.Time
		out.Records++
	}
	if n == 0 {
		return bad(0, "the file is empty")
	}
	out.SHA256 = hex.EncodeToString(h.Sum(nil))
	return out, nil
}

// ExportAuditFile writes an export to path durably: to a temporary file in
// the same directory, fsynced, renamed to path, the directory fsynced, and
// then read back and checked against what was written (every line, the
// range, the bytes' SHA-256). It never replaces a file: an existing path is
// an error. On any failure path does not exist afterwards. An empty export
// writes no file and returns Records 0.
func ExportAuditFile(ctx context.Context, st Store, path string, sel ExportRange) (ExportFile, error) {
	sum, tmp, err := exportTemp(ctx, st, filepath.Dir(path), sel)
	if err != nil || sum.Records == 0 {
		return ExportFile{Path: path, ExportSummary: sum}, err
	}
	if err := claimName(path); err != nil {
		_ = os.Remove(tmp)
		return ExportFile{}, fmt.Errorf("store: export audit: %w", err)
	}
	return commitExport(tmp, path, sum)
}

// exportTemp writes the export to a new temporary file in dir and fsyncs it.
// It removes the file when the export fails or is empty.
func exportTemp(ctx context.Context, st Store, dir string, sel ExportRange) (ExportSummary, string, error) {
	f, err := os.CreateTemp(dir, ".audit-export-*.tmp")
	if err != nil {
		return ExportSummary{}, "", fmt.Errorf("store: export audit: %w", err)
	}
	tmp := f.Name()
	sum, err := ExportAudit(ctx, st, f, sel)
	if err == nil && sum.Records > 0 {
		if err = f.Sync(); err != nil {
			err = fmt.Errorf("store: export audit: %w", err)
		}
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("store: export audit: %w", cerr)
	}
	if err != nil || sum.Records == 0 {
		_ = os.Remove(tmp)
		return sum, "", err
	}
	return sum, tmp, nil
}

// claimName creates path, empty, if no file has that name: the rename that
// follows then replaces only this placeholder. Two writers can therefore
// never replace each other's export, which a plain rename would do.
func claimName(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// commitExport renames tmp over the placeholder at path, fsyncs the
// directory and checks the file at path against sum. It removes the file
// when it does not check.
func commitExport(tmp, path string, sum ExportSummary) (ExportFile, error) {
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		_ = os.Remove(path)
		return ExportFile{}, fmt.Errorf("store: export audit: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		_ = os.Remove(path)
		return ExportFile{}, fmt.Errorf("store: export audit: %w", err)
	}
	back, err := ReadExportFile(path, nil)
	if err == nil && (back.From != sum.From || back.Last != sum.Last || back.Records != sum.Records || back.SHA256 != sum.SHA256) {
		err = fmt.Errorf("holds records %d to %d (%d, sha256 %s), %d to %d (%d, sha256 %s) were written",
			back.From.Seq+1, back.Last.Seq, back.Records, back.SHA256, sum.From.Seq+1, sum.Last.Seq, sum.Records, sum.SHA256)
	}
	if err != nil {
		_ = os.Remove(path)
		return ExportFile{}, fmt.Errorf("store: export audit: %s does not read back as written: %w", path, err)
	}
	return ExportFile{Path: path, ExportSummary: sum}, nil
}

// syncDir fsyncs a directory, so that a rename or create in it survives a
// power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// ExportFileName is the name ExportAndPruneAudit gives the export of records
// first to last: zero-padded, so names sort in Seq order. When a file of
// that name exists (an earlier prune of the same records failed, or another
// process prunes into the same directory) it adds .1, .2, … before .jsonl.
func ExportFileName(first, last int64) string {
	return fmt.Sprintf("audit-%012d-%012d.jsonl", first, last)
}

// maxNameTries bounds the suffixes ExportAndPruneAudit tries.
const maxNameTries = 100

// claimExportName claims a new file name in dir for the export of records
// first to last (see ExportFileName).
func claimExportName(dir string, first, last int64) (string, error) {
	base := strings.TrimSuffix(ExportFileName(first, last), ".jsonl")
	for i := range maxNameTries {
		name := base + ".jsonl"
		if i > 0 {
			name = fmt.Sprintf("%s.%d.jsonl", base, i)
		}
		path := filepath.Join(dir, name)
		err := claimName(path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s already holds %d exports of records %d to %d", dir, maxNameTries, first, last)
}

// CheckExportDir makes sure dir exists (creating it, mode 0700) and that a
// file can be created, written, synced and removed in it, so that a
// misconfigured export directory fails idcmd's start rather than every
// hourly prune.
func CheckExportDir(dir string) error {
	if dir == "" {
		return errors.New("store: no audit export directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store: audit export directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".audit-export-check-*")
	if err != nil {
		return fmt.Errorf("store: audit export directory %s is not writable: %w", dir, err)
	}
	_, err = f.WriteString("idcmd\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(f.Name()); err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("store: audit export directory %s is not writable: %w", dir, err)
	}
	return nil
}

// PruneResult is what ExportAndPruneAudit did.
type PruneResult struct {
	// Files are the export files written, in Seq order; each one's records
	// were deleted from the store.
	Files  []ExportFile `json:"files"`
	Pruned int64        `json:"pruned"`
	// Anchor is the store's anchor afterwards.
	Anchor AuditAnchor `json:"anchor"`
}

// PruneOptions are what ExportAndPruneAudit prunes, and where it exports.
type PruneOptions struct {
	// Dir receives the export files; created (mode 0700) if missing.
	Dir string
	// Before: the records recorded before it are pruned, as a prefix of the
	// kept chain (see ExportRange.Before).
	Before time.Time
	// PerFile bounds the records of one export file, and so of one prune
	// transaction: default and at most MaxPruneRecords.
	PerFile int
}

// ExportAndPruneAudit prunes the audit records recorded before
// opts.Before, exporting them to opts.Dir first. Each round exports up to
// opts.PerFile records to a new file named ExportFileName(first, last),
// durably and read back, and only then deletes exactly those records and
// moves the anchor to the last of them, in one transaction (PruneAudit). A
// round that fails deletes nothing; the rounds before it stand, each with
// its file.
//
// It never deletes or replaces an export file. A round whose prune failed
// leaves its file, a copy of records still in the store (or, when another
// replica pruned first, of records in that replica's export); the file may
// even be the one another process pruned with, when two prune into one
// directory, so deleting it could lose the only export of pruned records.
// VerifyAuditExports accepts such overlapping files as long as they agree.
func ExportAndPruneAudit(ctx context.Context, st Store, opts PruneOptions) (PruneResult, error) {
	var res PruneResult
	dir, before := opts.Dir, opts.Before
	perFile := int64(opts.PerFile)
	if perFile <= 0 || perFile > MaxPruneRecords {
		perFile = MaxPruneRecords
	}
	switch {
	case before.IsZero():
		return res, errors.New("store: prune audit: no cutoff time")
	case dir == "":
		return res, errors.New("store: prune audit: no export directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("store: prune audit: export directory: %w", err)
	}
	anchor, err := st.AuditAnchor(ctx)
	if err != nil {
		return res, err
	}
	res.Anchor = anchor
	for {
		sum, tmp, err := exportTemp(ctx, st, dir, ExportRange{Before: before, Max: perFile})
		if err != nil || sum.Records == 0 {
			return res, err
		}
		path, err := claimExportName(dir, sum.From.Seq+1, sum.Last.Seq)
		if err != nil {
			_ = os.Remove(tmp)
			return res, fmt.Errorf("store: prune audit: %w", err)
		}
		file, err := commitExport(tmp, path, sum)
		if err != nil {
			return res, err
		}
		n, err := st.PruneAudit(ctx, file.From, file.Last)
		if err != nil {
			return res, fmt.Errorf("store: pruning records %d to %d (exported to %s): %w", file.From.Seq+1, file.Last.Seq, file.Path, err)
		}
		res.Files = append(res.Files, file)
		res.Pruned += n
		res.Anchor = file.Last
		if file.Records < perFile {
			return res, nil
		}
	}
}

// HistoryVerification is the result of VerifyAuditHistory: the export files
// and the store verified as one chain from genesis.
type HistoryVerification struct {
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
	// Files are the export files in Seq order.
	Files []ExportFile `json:"files"`
	// Records counts the distinct records in the files: they hold records 1
	// to Records.
	Records int64 `json:"records"`
	// Last is the last exported record.
	Last AuditAnchor `json:"last"`
}

// VerifyAuditExports checks export files as one history from genesis. Each
// file is checked on its own (ReadExportFile); together, sorted by first
// Seq, they must cover record 1 to the last without a gap. Files may be
// given in any order and may overlap (a copy, or the export of a prune that
// failed), but must agree where they do: every file's first PrevHash and
// last Hash must match every other file holding that record. Since each
// hash commits to every record before it, that makes the overlapping
// records identical. The files are read twice (once alone, once for the
// cross-check); capture receives each record of the second reading.
func VerifyAuditExports(paths []string, capture func(AuditRecord)) (HistoryVerification, error) {
	var v HistoryVerification
	if len(paths) == 0 {
		v.Reason = "no export files given"
		return v, nil
	}
	files := make([]ExportFile, 0, len(paths))
	for _, p := range paths {
		f, err := ReadExportFile(p, nil)
		var fe *ExportFileError
		if errors.As(err, &fe) {
			v.Reason = fe.Error()
			return v, nil
		}
		if err != nil {
			return v, err
		}
		files = append(files, f)
	}
	slices.SortStableFunc(files, func(a, b ExportFile) int {
		return cmp.Or(cmp.Compare(a.From.Seq, b.From.Seq), cmp.Compare(b.Last.Seq, a.Last.Seq))
	})
	var end int64
	var endFile string
	for _, f := range files {
		if f.From.Seq > end {
			if end == 0 {
				v.Reason = fmt.Sprintf("records 1 to %d are in none of the files (the first, %s, starts at record %d)", f.From.Seq, f.Path, f.From.Seq+1)
			} else {
				v.Reason = fmt.Sprintf("records %d to %d are in none of the files (%s ends at %d, the next, %s, starts at %d)", end+1, f.From.Seq, endFile, end, f.Path, f.From.Seq+1)
			}
			return v, nil
		}
		if f.Last.Seq > end {
			end, endFile = f.Last.Seq, f.Path
		}
	}

	// The hash at every file's boundaries, as every file holding it says.
	type said struct{ hash, file string }
	at := map[int64]said{}
	for _, f := range files {
		at[f.From.Seq], at[f.Last.Seq] = said{}, said{}
	}
	agree := func(seq int64, hash, file string) bool {
		prev, need := at[seq]
		switch {
		case !need:
			return true
		case prev.file == "":
			at[seq] = said{hash, file}
			return true
		}
		if prev.hash != hash {
			v.Reason = fmt.Sprintf("%s and %s disagree on record %d: one of them was altered", prev.file, file, seq)
			return false
		}
		return true
	}
	for _, f := range files {
		if !agree(f.From.Seq, f.From.Hash, f.Path) {
			return v, nil
		}
		ok := true
		_, err := ReadExportFile(f.Path, func(r AuditRecord) {
			if ok {
				ok = agree(r.Seq, r.Hash, f.Path)
			}
			if capture != nil {
				capture(r)
			}
		})
		var fe *ExportFileError
		if errors.As(err, &fe) {
			v.Reason = fe.Error() + " (it changed while it was read)"
			return v, nil
		}
		if err != nil {
			return v, err
		}
		if !ok {
			return v, nil
		}
	}
	v.Files = files
	v.Records = end
	v.Last = AuditAnchor{Seq: end, Hash: at[end].hash}
	v.OK = true
	return v, nil
}

// VerifyAuditHistory checks the whole history, pruned and kept: the export
// files from genesis (VerifyAuditExports), the store's kept chain from its
// anchor (VerifyAudit), and the join: the anchor is one of the exported
// records with the same hash, so nothing was pruned that is in no file. When
// the files go past the anchor (an export of records still kept), the
// store's record at the files' end must hold the same hash.
func VerifyAuditHistory(ctx context.Context, st Store, paths []string) (HistoryVerification, AuditVerification, error) {
	sv, err := st.VerifyAudit(ctx)
	if err != nil {
		return HistoryVerification{}, sv, err
	}
	var atAnchor string
	hv, err := VerifyAuditExports(paths, func(r AuditRecord) {
		if r.Seq == sv.AnchorSeq {
			atAnchor = r.Hash
		}
	})
	if err != nil || !hv.OK {
		return hv, sv, err
	}
	fail := func(format string, args ...any) (HistoryVerification, AuditVerification, error) {
		hv.OK = false
		hv.Reason = fmt.Sprintf(format, args...)
		return hv, sv, nil
	}
	switch {
	case sv.AnchorSeq > hv.Last.Seq:
		return fail("records %d to %d were pruned from the store but are in none of the export files (they end at record %d)", hv.Last.Seq+1, sv.AnchorSeq, hv.Last.Seq)
	case sv.AnchorSeq > 0 && atAnchor != sv.AnchorHash:
		return fail("the store's anchor (record %d) has hash %s, the exported record %d has %s: the anchor or the export was altered", sv.AnchorSeq, sv.AnchorHash, sv.AnchorSeq, atAnchor)
	case sv.AnchorSeq < hv.Last.Seq:
		r, err := st.GetAudit(ctx, hv.Last.Seq)
		if errors.Is(err, ErrNotFound) {
			return fail("exported record %d is neither pruned (the anchor is at %d) nor in the store", hv.Last.Seq, sv.AnchorSeq)
		}
		if err != nil {
			return hv, sv, err
		}
		if r.Hash != hv.Last.Hash {
			return fail("exported record %d has hash %s, the store's has %s: one was altered", hv.Last.Seq, hv.Last.Hash, r.Hash)
		}
	}
	return hv, sv, nil
}
