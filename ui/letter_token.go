package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"ascolto/data"
	"ascolto/printing/signature/token"
)

// PrefPKCS11Module is this workstation's smart card module (PKCS#11): OpenSC's
// opensc-pkcs11.so/.dll or the card maker's library. It is the workstation's, like the
// .p12 file, since the path differs between Windows and Linux machines of one office.
const PrefPKCS11Module = "pref.pkcs11_module"

// cardChoice is the smart card as the letter panel's signing choice, beside the .p12
// file: chosen with its button, the PIN asked at each letter in a dialog and
// forgotten once the letter is signed.
type cardChoice struct {
	chosen bool
	label  string // the card chosen; "" when the reader holds only one
	btn    *button
	// the dialogs open now (tests drive them)
	pinDialog  dialog.Dialog
	pinEntry   *textEntry
	pickDialog dialog.Dialog
	pick       *wayChoice // a letter picks, Enter confirms (as the way a letter went)
}

// buildCard makes the smart card's button; a workstation with a module set and no
// .p12 file starts with the card chosen.
func (p *LetterPanel) buildCard() *button {
	p.card = &cardChoice{}
	p.card.btn = newButton(p.t("letter.token.ui_card"), theme.AccountIcon(), p.chooseCard)
	if p.pref(PrefPKCS11Module) != "" && p.pref(PrefCertificate) == "" && token.Available {
		p.card.chosen = true
		p.sign.SetChecked(true)
		p.certLabel.SetText(p.t("letter.token.ui_card_any"))
	}
	return p.card.btn
}

// tokens lists the cards of this workstation's module.
func (p *LetterPanel) tokens() ([]token.Token, error) {
	m, err := token.Open(p.pref(PrefPKCS11Module))
	if err != nil {
		return nil, err
	}
	defer m.Close()
	ts, err := m.Tokens()
	if err == nil && len(ts) == 0 {
		err = data.Problemf("letter.token.err_no_token")
	}
	return ts, err
}

// chooseCard makes the card the signing choice: the one in the reader, or, with
// several, the one the clerk picks.
func (p *LetterPanel) chooseCard() {
	ts, err := p.tokens()
	if err != nil {
		p.showProblem(err)
		return
	}
	p.showProblem(nil)
	if len(ts) == 1 {
		p.setCard(ts[0])
		return
	}
	var names, values []string
	for _, t := range ts {
		names = append(names, cardName(t))
		values = append(values, t.Label)
	}
	byLabel := map[string]token.Token{}
	for _, t := range ts {
		byLabel[t.Label] = t
	}
	p.card.pick = newWayChoice(names, values)
	p.card.pick.SetValue(values[0])
	p.card.pickDialog = showDialog(p.win, p.t("letter.token.ui_pick_title"), p.t("letter.token.ui_pick_ok"), p.t("letter.ui.cancel"),
		container420(widget.NewForm(widget.NewFormItem(p.t("letter.token.ui_card"), p.card.pick))), p.card.pick, func(ok bool) {
			v := p.card.pick.Value()
			p.card.pickDialog, p.card.pick = nil, nil
			if ok {
				p.setCard(byLabel[v])
			}
		})
}

// cardName is a card as the clerk recognizes it: its label and the holder of its
// signing certificate.
func cardName(t token.Token) string {
	if len(t.Certificates) > 0 {
		return t.Label + " – " + t.Certificates[0].Name()
	}
	return t.Label
}

func (p *LetterPanel) setCard(t token.Token) {
	p.card.chosen, p.card.label = true, t.Label
	p.certLabel.SetText(p.t("letter.token.ui_card_chosen", "card", cardName(t)))
	p.sign.SetChecked(true)
}

// askPIN asks for the card's PIN in the program's dialog: typed at once, Enter signs,
// Esc cancels. What the card says of the tries left is shown before the PIN is typed.
func (p *LetterPanel) askPIN() {
	ts, err := p.tokens()
	if err != nil {
		p.showProblem(err)
		return
	}
	var t token.Token
	for _, x := range ts {
		if p.card.label == "" || x.Label == p.card.label {
			t = x
			break
		}
	}
	if t.PINLocked() {
		p.showProblem(data.Problemf("letter.token.err_pin_locked"))
		return
	}
	pin := newTextEntry()
	pin.Password = true
	form := widget.NewForm()
	note := func(text string, importance widget.Importance) {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = importance
		form.AppendItem(widget.NewFormItem("", l))
	}
	switch {
	case t.PINFinalTry():
		note(p.t("letter.token.ui_pin_final"), widget.DangerImportance)
	case t.PINCountLow():
		note(p.t("letter.token.ui_pin_low"), widget.DangerImportance)
	}
	if t.PINPad() {
		// the reader asks for the PIN on its own keypad once Enter is pressed
		note(p.t("letter.token.ui_pin_pad"), widget.MediumImportance)
	}
	form.AppendItem(widget.NewFormItem(p.t("letter.token.ui_pin"), pin))
	content := fyne.CanvasObject(form)
	p.card.pinEntry = pin
	p.card.pinDialog = showDialog(p.win, p.t("letter.token.ui_pin_title", "card", cardName(t)), p.t("letter.ui.issue"), p.t("letter.ui.cancel"),
		container420(content), pin, func(ok bool) {
			p.card.pinDialog, p.card.pinEntry = nil, nil
			code := pin.Text
			pin.SetText("")
			if ok {
				p.issueOnCard(code)
			}
		})
}

// issueOnCard logs in to the card with pin, signs the letter there, and logs out.
func (p *LetterPanel) issueOnCard(pin string) {
	m, err := token.Open(p.pref(PrefPKCS11Module))
	if err != nil {
		p.showProblem(err)
		return
	}
	defer m.Close()
	s, err := m.Login(p.card.label, pin)
	if err != nil {
		p.showProblem(err)
		return
	}
	defer s.Close()
	signer, err := s.Signer(p.store.Now())
	if err != nil {
		p.showProblem(err)
		return
	}
	p.issueSigned(signer)
}
