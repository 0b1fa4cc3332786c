package letter

import (
	"context"
	"strings"

	"ascolto/data"
	"ascolto/printing/signature"
	"ascolto/translations"
)

// Options are a clerk's choices for one letter.
type Options struct {
	// Language: empty takes the citizen's language (both where it is not known).
	Language data.LetterLanguage
	// Text is the reply, recorded on the case first when it has none yet.
	Text string
	// Texts are the reply in further languages: a bilingual letter needs the reply in
	// Italian and in German, and the case records it in one.
	Texts map[data.Language]string
	// Salutations replace the template's salutation per language.
	Salutations map[data.Language]string
	// Signer signs the PDF; nil leaves it unsigned (to be signed by hand).
	Signer *signature.Signer
	// Visible adds a visible signature field (also when the settings ask for one).
	Visible bool
	// DefaultSigner is the name under the closing when the register's letter settings
	// name no signer: the one this workstation was set up with. The certificate's name
	// comes after it.
	DefaultSigner string
	// TSA time-stamps the signature; an empty URL takes the letter settings' authority.
	TSA signature.TSA
	// PDFA, when set, overrides the letter settings' choice of PDF/A-2b.
	PDFA *bool
}

// Office is what every letter of the register shares, read once: the office, its
// letter settings, templates and images. A batch prepares it once for all its letters.
type Office struct {
	office    data.Office
	settings  data.LetterSettings
	templates Templates
	logo, sig []byte
}

// Prepare reads the register's letter settings.
func Prepare(ctx context.Context, s *data.Store) (*Office, error) {
	p := &Office{office: s.Local()}
	var err error
	if p.settings, err = s.LetterSettings(ctx); err != nil {
		return nil, err
	}
	saved, err := s.LetterTemplates(ctx)
	if err != nil {
		return nil, err
	}
	p.templates = NewTemplates(saved)
	for _, img := range []struct {
		sha string
		dst *[]byte
	}{{p.settings.Logo, &p.logo}, {p.settings.SignatureImage, &p.sig}} {
		if img.sha == "" {
			continue
		}
		if *img.dst, err = s.AttachmentContent(ctx, img.sha); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Templates are the templates letters use (the office's over the defaults).
func (p *Office) Templates() Templates { return p.templates }

// Settings are the letter settings in force.
func (p *Office) Settings() data.LetterSettings { return p.settings }

// Issue makes, signs and keeps one letter in its own transaction and returns it with
// its PDF. A refusal (no reply, a certificate refused) writes nothing.
func Issue(ctx context.Context, s *data.Store, ref data.Ref, opt Options) (*data.Letter, []byte, error) {
	p, err := Prepare(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	var l *data.Letter
	var pdf []byte
	err = s.Update(ctx, func(t *data.Tx) error {
		l, pdf, err = p.Issue(t, ref, opt)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return l, pdf, nil
}

// Issue makes, signs and keeps one letter inside the transaction t.
func (p *Office) Issue(t *data.Tx, ref data.Ref, opt Options) (*data.Letter, []byte, error) {
	var pdf []byte
	req := data.LetterRequest{Language: opt.Language, Reply: opt.Text}
	req.Render = func(c *data.Case, l *data.Letter) ([]byte, error) {
		var err error
		pdf, err = p.render(c, l, opt)
		return pdf, err
	}
	l, err := t.IssueLetter(ref, req)
	if err != nil {
		return nil, nil, err
	}
	return l, pdf, nil
}

// Render makes the PDF of a letter without keeping it (a preview).
func (p *Office) Render(c *data.Case, l *data.Letter, opt Options) ([]byte, error) {
	return p.render(c, l, opt)
}

func (p *Office) render(c *data.Case, l *data.Letter, opt Options) ([]byte, error) {
	replies := map[data.Language]string{}
	if c.Reply.Language != "" {
		replies[c.Reply.Language] = c.Reply.Text
	}
	for lang, text := range opt.Texts {
		if strings.TrimSpace(text) != "" {
			replies[lang] = text
		}
	}
	signer := firstNonEmpty(p.settings.Signer, opt.DefaultSigner)
	if signer == "" && opt.Signer != nil {
		signer = opt.Signer.Name()
	}
	visible := opt.Visible || p.settings.VisibleSignature
	in := Input{Case: c, Letter: l, Office: p.office, Settings: p.settings, Templates: p.templates,
		Language: l.Language, Replies: replies, Salutations: opt.Salutations, Logo: p.logo,
		SignatureImage: p.sig, Signer: signer, Signed: opt.Signer != nil, PDFA: p.settings.PDFA}
	if opt.PDFA != nil {
		in.PDFA = *opt.PDFA
	}
	if in.PDFA && visible && opt.Signer != nil {
		// The signing library draws a visible field's frame as a picture with a soft
		// mask, which PDF/A excludes here: the frame goes on the page and the field
		// stays invisible (the signature is the same).
		in.Frame, visible = true, false
	}
	tsa := opt.TSA
	if tsa.URL == "" {
		tsa = signature.TSA{URL: p.settings.TSA}
	}
	pdf, box, err := Render(in)
	if err != nil || opt.Signer == nil {
		return pdf, err
	}
	first := l.Language.Languages()[0]
	place := in.Settings.PlaceIT
	if first == data.German {
		place = in.Settings.PlaceDE
	}
	if place == "" {
		lay := layout{in: in}
		place = lay.place(first)
	}
	so := signature.Options{
		Reason:   translations.T(string(first), "letter.pdf.reason", "number", l.Number),
		Location: place, Contact: p.settings.Contact, Date: l.IssuedAt,
		Visible: visible,
		Page:    box.Page,
		TSA:     tsa,
		// PDF points from the lower left corner
		Rect: [4]float64{mm(box.X), mm(297 - box.Y - box.H), mm(box.X + box.W), mm(297 - box.Y)},
	}
	// Sign hands back only a file that passed signature.Check (one signature over the
	// whole file, verifying against the signer's certificate). render runs inside
	// data's IssueLetter before KeepLetter (and before KeepLetter in IssueBatch), so a
	// file that fails the check refuses the letter with the reason and nothing is
	// archived.
	signed, err := opt.Signer.Sign(pdf, so)
	if err != nil {
		return nil, err
	}
	l.Signer = opt.Signer.Name()
	return signed, nil
}

func mm(v float64) float64 { return v * 72 / 25.4 }
