package origin

import (
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
)

// looksLikeRegexp reports whether s is a regular expression written where
// an origin belongs (the gin-contrib/cors and rack-cors habit): anchors,
// escapes, groups, alternation, or ".*".
func looksLikeRegexp(s string) bool {
	return strings.ContainsAny(s, `^$\()|{}`) || strings.Contains(s, ".+") || strings.Contains(s, "?://") ||
		strings.Contains(s, "[a-") || strings.Contains(s, "[0-") ||
		strings.Contains(strings.ReplaceAll(s, ".*.", ""), ".*") // ".*." is a misplaced "*." label
}

const grammar = `Origins takes exact origins ("https://app.example.com") and patterns ("https://*.example.com" ` +
	`for subdomains, "http://localhost:*" for any port), not regular expressions`

// regexpReason explains a regular expression and, where they can be
// derived, lists the patterns that cover the origins it describes.
func regexpReason(s string) string {
	pats := patternsForRegexp(s)
	if len(pats) == 0 {
		return "looks like a regular expression; " + grammar
	}
	q := make([]string, len(pats))
	for i, p := range pats {
		q[i] = fmt.Sprintf("%q", p)
	}
	return fmt.Sprintf("looks like a regular expression; %s; write these instead, which cover the origins it "+
		"describes: %s", grammar, strings.Join(q, ", "))
}

// Placeholders in the strings expand writes for what a pattern can say.
const (
	anyLabels = '\x01' // ".*", "[a-z]+": one or more labels, "*." in a pattern
	anyDigits = '\x02' // "[0-9]+", "\d{2,5}": a port, ":*" in a pattern
	optDot    = '\x03' // "\.?": a dot where two labels meet
)

// maxDerived bounds the strings a regular expression expands to, and
// maxListed the patterns a message lists.
const (
	maxDerived = 64
	maxListed  = 16
)

// patternsForRegexp returns the patterns equivalent to the regular
// expression s, or nil when they cannot be derived: an unsupported
// construct, a part no pattern can say, or a result Parse refuses.
func patternsForRegexp(s string) []string {
	// A JavaScript literal, /^https:\/\/app\.example\.com$/i.
	if len(s) > 2 && s[0] == '/' {
		if i := strings.LastIndexByte(s, '/'); i > 0 && strings.Trim(s[i+1:], "dgimsuvy") == "" {
			s = s[1:i]
		}
	}
	re, err := syntax.Parse(s, syntax.Perl)
	if err != nil {
		return nil
	}
	strs, ok := expand(re)
	if !ok {
		return nil
	}
	var out []string
	for _, str := range strs {
		p, ok := toPattern(str)
		if !ok {
			return nil
		}
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	out = dropCovered(out)
	// http before https, each in the order the expression lists them.
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(a[:strings.Index(a, ":")], b[:strings.Index(b, ":")]) })
	if len(out) > maxListed {
		return nil
	}
	return out
}

// expand lists the strings re matches, with placeholders for the parts
// that vary; ok is false past maxDerived strings or for a construct it
// cannot list.
func expand(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
		return []string{""}, true
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		// A lone unescaped dot is the dot it almost always means.
		return []string{"."}, true
	case syntax.OpCharClass:
		if runes := classRunes(re); runes != nil {
			return runes, true
		}
		return []string{string(classPlaceholder(re))}, true
	case syntax.OpCapture:
		return expand(re.Sub[0])
	case syntax.OpQuest, syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		return expandRepeat(re)
	case syntax.OpConcat:
		return expandConcat(re.Sub)
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			strs, ok := expand(sub)
			if !ok || len(out)+len(strs) > maxDerived {
				return nil, false
			}
			out = append(out, strs...)
		}
		return out, true
	}
	return nil, false
}

// classRunes lists the characters of a class of at most four, as
// syntax.Parse makes of "app|api" ("ap[ip]"), or returns nil.
func classRunes(re *syntax.Regexp) []string {
	if re.Op != syntax.OpCharClass {
		return nil
	}
	var out []string
	for i := 0; i < len(re.Rune); i += 2 {
		for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
			if len(out) == 4 {
				return nil
			}
			out = append(out, strings.ToLower(string(r)))
		}
	}
	return out
}

// classPlaceholder is anyDigits for a class of digits only, else anyLabels.
func classPlaceholder(re *syntax.Regexp) rune {
	if re.Op == syntax.OpCharClass {
		digits := true
		for i := 0; i < len(re.Rune); i += 2 {
			digits = digits && re.Rune[i] >= '0' && re.Rune[i+1] <= '9'
		}
		if digits {
			return anyDigits
		}
	}
	return anyLabels
}

func expandRepeat(re *syntax.Regexp) ([]string, bool) {
	sub := re.Sub[0]
	optional := re.Op == syntax.OpQuest || re.Op == syntax.OpStar || re.Op == syntax.OpRepeat && re.Min == 0
	if re.Op == syntax.OpQuest && sub.Op == syntax.OpLiteral && string(sub.Rune) == "." {
		return []string{string(optDot)}, true
	}
	strs, ok := expand(sub)
	if sub.Op == syntax.OpAnyChar || sub.Op == syntax.OpAnyCharNotNL {
		strs, ok = []string{string(anyLabels)}, true // ".*", ".+"
	}
	if !ok {
		return nil, false
	}
	if re.Op != syntax.OpQuest && !(re.Op == syntax.OpRepeat && re.Max == 1) {
		// Repeated: only a placeholder, which already stands for any
		// number of labels or digits, can be listed.
		for _, s := range strs {
			if !strings.ContainsAny(s, string([]rune{anyLabels, anyDigits})) {
				return nil, false
			}
		}
	}
	if optional {
		strs = append(strs, "")
	}
	return strs, true
}

func expandConcat(subs []*syntax.Regexp) ([]string, bool) {
	out := []string{""}
	for _, sub := range subs {
		strs, ok := expand(sub)
		if !ok || len(out)*len(strs) > maxDerived {
			return nil, false
		}
		var next []string
		for _, a := range out {
			for _, b := range strs {
				next = append(next, a+b)
			}
		}
		out = next
	}
	return out, true
}

// toPattern turns one expanded string into a pattern. It returns "" for a
// string no browser sends (no scheme, an empty label left by an optional
// part), and ok false when a placeholder is where no pattern can say it or
// Parse refuses the result.
func toPattern(s string) (string, bool) {
	s = resolveOptDots(s)
	scheme, rest, ok := strings.Cut(s, "://")
	host, _ := SplitHostPort(rest)
	if !ok || !validScheme(scheme) || host == "" || host[0] == '.' || strings.Contains(host, "..") {
		return "", true
	}
	rest, wild := strings.CutPrefix(rest, string(anyLabels)+".")
	rest, anyPort := strings.CutSuffix(rest, ":"+string(anyDigits))
	if strings.ContainsAny(rest, string([]rune{anyLabels, anyDigits})) {
		return "", false
	}
	p := scheme + "://" + rest
	if wild {
		p = scheme + "://*." + rest
	}
	if anyPort {
		p += ":*"
	}
	if looksLikeRegexp(p) {
		return "", false // a literal '}' or '$': no origin has one
	}
	if _, reason := parse(p); reason != "" {
		return "", false
	}
	return p, true
}

// resolveOptDots makes each optional dot a dot between two labels and
// nothing elsewhere: "(app)?\.?localhost" means app.localhost or localhost.
func resolveOptDots(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != optDot {
			b.WriteByte(s[i])
			continue
		}
		prev := byte(0)
		if b.Len() > 0 {
			prev = b.String()[b.Len()-1]
		}
		next := byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		if prev != 0 && next != 0 && !strings.ContainsRune("/:.\x03", rune(prev)) && !strings.ContainsRune("/:.\x03", rune(next)) {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// dropCovered removes each pattern that the same pattern with ":*" covers.
func dropCovered(pats []string) []string {
	anyPort := func(p string) string {
		r, _ := parse(p)
		r.Port = "*"
		return r.String()
	}
	return slices.DeleteFunc(slices.Clone(pats), func(p string) bool {
		return !strings.HasSuffix(p, ":*") && slices.Contains(pats, anyPort(p))
	})
}
