package exchange

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"

	"ascolto/data"
)

// AuditWitness is an office's signed audit head as published in its ack.json: its chain
// had Seq entries, the last hashed to Head, signed with the office's key. The offices
// that receive it keep it (data.Store.KeepWitness), so that a chain cut back or
// rewritten later in that office no longer matches what they saw (docs/exchange.md).
type AuditWitness struct {
	Seq  int64  `json:"seq"`
	Head string `json:"head"` // hex
	At   string `json:"at"`
	Sig  []byte `json:"sig"`
}

// witness is this office's latest signed head, nil while its audit trail is empty.
func (x *Exchange) witness(ctx context.Context) (*AuditWitness, error) {
	c, err := x.st.Seal(ctx)
	if c == nil || err != nil {
		return nil, err
	}
	return &AuditWitness{Seq: c.Seq, Head: hex.EncodeToString(c.Head), At: c.At, Sig: c.Sig}, nil
}

// keepWitness stores the head an office published, checked with its trusted key. One
// that fails is logged and not kept: the ack itself is signed with the same key, so
// only that office can have written it, with a head it did not sign.
func (x *Exchange) keepWitness(ctx context.Context, code string, pub ed25519.PublicKey, a *AckFile) {
	if a.Audit == nil {
		return
	}
	head, err := hex.DecodeString(a.Audit.Head)
	if err == nil {
		err = x.st.KeepWitness(ctx, code, pub, data.Checkpoint{Seq: a.Audit.Seq, Head: head, At: a.Audit.At, Sig: a.Audit.Sig})
	}
	if err != nil {
		x.log.Warn("exchange: audit witness not kept", "office", code, "err", err)
	}
}
