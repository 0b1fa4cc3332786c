package intake

import (
	"time"

	"ascolto/data"
	"ascolto/data/mailin"
)

// The parts of intake that depend on a message having come by certified mail (PEC):
// data/mailin unwraps the provider's envelope and says what it certified.

// refuseReceipt refuses a PEC receipt (acceptance, delivery, non-delivery): it is the
// provider's word about a letter the office sent, not a citizen's message.
func refuseReceipt(msg *mailin.Message) error {
	r := msg.Receipt
	if r == nil {
		return nil
	}
	if r.MessageID == "" {
		return data.Problemf("intake.mail.pec_receipt_unknown", "kind", r.Kind)
	}
	return data.Problemf("intake.mail.pec_receipt", "kind", r.Kind, "id", r.MessageID)
}

func isPEC(msg *mailin.Message) bool { return msg.PEC != nil }

// certifiedTime is the time the provider certified the message as sent: for a PEC the
// time of receipt that counts by law.
func certifiedTime(msg *mailin.Message) (time.Time, bool) {
	if msg.PEC == nil || msg.PEC.Sent.IsZero() {
		return time.Time{}, false
	}
	return msg.PEC.Sent, true
}

// pecKeys is the certified identifier of a PEC, which no other message has.
func pecKeys(msg *mailin.Message) []data.MessageKey {
	if msg.PEC == nil || msg.PEC.MessageID == "" {
		return nil
	}
	return []data.MessageKey{{ID: msg.PEC.MessageID, Kind: data.PECKey}}
}

// pecSender is the certified sender, for a message inside the envelope that names none.
func pecSender(msg *mailin.Message) string {
	if msg.PEC == nil {
		return ""
	}
	return msg.PEC.Sender
}

// proof is what proves the receipt of a PEC: the provider's envelope, daticert.xml and
// its signature, kept with the case.
func proof(msg *mailin.Message) []mailin.Attachment { return msg.Proof }

// dateUnreadable says that the message has a Date header that cannot be read.
func dateUnreadable(msg *mailin.Message) bool { return msg.DateProblem }
