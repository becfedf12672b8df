package commands

import (
	"bytes"
	"encoding/json"
	"strings"
)

// One-time secrets (a reset link, a temporary password) go into the one
// HTTP answer of the call that ran the command — for an approved call, the
// approve call's answer — and nowhere else. A command names the secrets of
// its reply in Reply.Secrets; every copy idcmd keeps (the idempotency
// replay, the approval's result, the write-back) is made by storedCopy or
// redactSecrets, which put a marker in their place. Replacing the secret's
// exact text, wherever it appears, keeps the rule independent of where a
// command puts it (outputs, raw_response, a neutral command's translation).

// secretMarker replaces a one-time secret in every stored copy of an answer.
func secretMarker(requestID string) string {
	return "[one-time secret withheld: it was delivered once, in the answer to request " + requestID + ", and is not stored]"
}

// redactSecrets replaces each secret in text with the marker.
func redactSecrets(text string, secrets []string, requestID string) string {
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, secretMarker(requestID))
		}
	}
	return text
}

// storedCopy is the JSON of res as idcmd may keep it: with its one-time
// secrets replaced by the marker and secrets_withheld set.
func storedCopy(res *Result) json.RawMessage {
	cp := *res
	cp.SecretsWithheld = cp.SecretsWithheld || len(res.secrets) > 0
	b, err := json.Marshal(&cp)
	if err != nil {
		return nil
	}
	return redactJSON(b, res.secrets, res.RequestID)
}

// redactJSON replaces each secret in JSON text, in each way an encoder may
// have written it (encoding/json escapes <, > and & by default).
func redactJSON(b []byte, secrets []string, requestID string) []byte {
	if len(secrets) == 0 {
		return b
	}
	marker := jsonText(secretMarker(requestID))
	for _, s := range secrets {
		if s == "" {
			continue
		}
		b = bytes.ReplaceAll(b, jsonText(s), marker)
		var plain bytes.Buffer
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		b = bytes.ReplaceAll(b, bytes.Trim(bytes.TrimSpace(plain.Bytes()), `"`), marker)
	}
	return b
}

// jsonText is s as encoding/json writes it inside a string, without quotes.
func jsonText(s string) []byte {
	b, _ := json.Marshal(s)
	return b[1 : len(b)-1]
}
