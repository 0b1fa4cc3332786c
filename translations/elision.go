package translations

import (
	"regexp"
	"strconv"
	"strings"
)

// Italian drops the article's vowel before a word read with a vowel, and a number is
// read as a word: "l'11/12" (l'undici), "dell'8 marzo" (dell'otto), "all'80%"
// (all'ottanta), but "il 12/12", "del 18" (del diciotto). A text writes "il {date}"
// once; which form it takes depends on the date filled in.

// elidedForms are the articles and articulated prepositions before a number, with their
// elided form.
var elidedForms = map[string]string{
	"il": "l'", "Il": "L'", "del": "dell'", "Del": "Dell'", "dal": "dall'", "Dal": "Dall'",
	"al": "all'", "Al": "All'", "nel": "nell'", "Nel": "Nell'", "sul": "sull'", "Sul": "Sull'",
}

var articleBeforePlaceholder = regexp.MustCompile(`\b(il|Il|del|Del|dal|Dal|al|Al|nel|Nel|sul|Sul) \{([a-z_]+)\}`)

// ItalianArticle is article (il, del, dal, al, nel, sul) as it stands before value:
// elided with its apostrophe and no space ("l'", "dell'") when value is a number read
// with a vowel, else itself followed by a space.
func ItalianArticle(article, value string) string {
	if e, ok := elidedForms[article]; ok && readWithVowel(value) {
		return e
	}
	return article + " "
}

// readWithVowel reports whether the number value starts with is read in Italian with
// a vowel first: uno, otto, undici, ottanta…, ottocento…, and so on in the thousands
// (ottomila, undicimila), but mille. The number is the leading digits, leading zeros
// left aside (01/12 is read "uno dicembre"), with groups of three after a dot (1.200).
func readWithVowel(value string) bool {
	i := 0
	for i < len(value) && value[i] >= '0' && value[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	head := strings.TrimLeft(value[:i], "0")
	more := false
	if len(head) > 3 { // digits without separators: the leading group of three
		k := len(head) % 3
		if k == 0 {
			k = 3
		}
		head, more = head[:k], true
	}
	rest := value[i:]
	if len(rest) >= 4 && rest[0] == '.' && isDigits(rest[1:4]) && (len(rest) == 4 || rest[4] < '0' || rest[4] > '9') {
		more = true
	}
	g, err := strconv.Atoi(head)
	if err != nil {
		return false
	}
	switch {
	case g == 8, g >= 80 && g <= 89, g >= 800 && g <= 899, g == 11:
		return true
	case g == 1:
		return !more // uno, but mille
	}
	return false
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// elideItalian writes each article before a placeholder as the value filled in there
// needs it.
func elideItalian(text string, args map[string]string) string {
	return articleBeforePlaceholder.ReplaceAllStringFunc(text, func(m string) string {
		sub := articleBeforePlaceholder.FindStringSubmatch(m)
		v, ok := args[sub[2]]
		if !ok {
			return m
		}
		return ItalianArticle(sub[1], v) + "{" + sub[2] + "}"
	})
}
