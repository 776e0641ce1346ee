package auth

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Password length limits, in characters.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1000
)

//go:embed common_passwords.txt
var commonList string

// common holds the lower-cased passwords attackers try first that are
// long enough to pass the length rule.
var common = func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonList, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
}()

// CheckPasswordPolicy refuses passwords that are too short or too long
// (counted in characters, not bytes), among the most common ones, one
// character repeated, a plain run of the keyboard or the alphabet, or
// built on the user's own email address (NIST SP 800-63B, 5.1.1.2).
func CheckPasswordPolicy(password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return errors.New("is not valid text")
	case n < MinPasswordLen:
		return fmt.Errorf("must be at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("must be at most %d characters", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	if common[lower] || common[strings.TrimRight(lower, "0123456789!.?")] {
		return errors.New("is one of the most commonly used passwords; choose another")
	}
	if strings.Count(lower, string([]rune(lower)[:1])) == utf8.RuneCountInString(lower) || isRun(lower) {
		return errors.New("is too easy to guess; choose another")
	}
	if local, _, _ := strings.Cut(strings.ToLower(email), "@"); len(local) >= 4 && strings.Contains(lower, local) {
		return errors.New("must not contain your email address")
	}
	return nil
}

// runs are the sequences people type when asked for a long password.
var runs = []string{"abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiopasdfghjklzxcvbnm", "1q2w3e4r5t6y7u8i9o0p"}

// isRun reports whether s is a stretch of one of runs, forwards or back.
func isRun(s string) bool {
	rev := []rune(s)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	for _, r := range runs {
		if strings.Contains(r, s) || strings.Contains(r, string(rev)) {
			return true
		}
	}
	return false
}
