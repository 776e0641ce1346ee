package authzen

import (
	"encoding/base64"
	"strconv"
	"strings"

	"gatehouse/internal/gatehouse"
)

// A consistency token names an account's security version. Every
// decision answer carries the one it was made at; a request passing it
// back in context.at_least_as_fresh is answered from grants at least that
// fresh. It is opaque to tools: only its order matters.

const tokenPrefix = "ghv1."

func makeToken(accountID, version int64) string { return string(appendToken(nil, accountID, version)) }

// appendToken appends the token of the account's version to b.
func appendToken(b []byte, accountID, version int64) []byte {
	var raw [32]byte
	r := strconv.AppendInt(raw[:0], accountID, 36)
	r = append(r, '.')
	r = strconv.AppendInt(r, version, 36)
	b = append(b, tokenPrefix...)
	return base64.RawURLEncoding.AppendEncode(b, r)
}

// parseToken reads a token of the account's; a malformed token or one of
// another account is refused.
func parseToken(tok string, accountID int64) (int64, error) {
	bad := gatehouse.Invalid("context.at_least_as_fresh", "not a consistency token of this account")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, tokenPrefix))
	if err != nil || !strings.HasPrefix(tok, tokenPrefix) {
		return 0, bad
	}
	acct, ver, ok := strings.Cut(string(raw), ".")
	a, err1 := strconv.ParseInt(acct, 36, 64)
	v, err2 := strconv.ParseInt(ver, 36, 64)
	if !ok || err1 != nil || err2 != nil || a != accountID || v < 1 {
		return 0, bad
	}
	return v, nil
}

// answerContext is the context member of every decision answer.
type answerContext struct {
	ConsistencyToken string `json:"consistency_token"`
}

func (a *asker) answerContext() *answerContext {
	return &answerContext{ConsistencyToken: makeToken(a.account(), a.version)}
}
