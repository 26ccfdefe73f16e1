package origin

import (
	"math/rand/v2"
	"testing"
)

// TestEditDistanceMatchesLevenshtein compares the banded distance with the
// textbook one on random short strings over a small alphabet.
func TestEditDistanceMatchesLevenshtein(t *testing.T) {
	t.Parallel()
	ref := func(a, b string) int {
		prev := make([]int, len(b)+1)
		cur := make([]int, len(b)+1)
		for j := range prev {
			prev[j] = j
		}
		for i := 1; i <= len(a); i++ {
			cur[0] = i
			for j := 1; j <= len(b); j++ {
				cost := 1
				if a[i-1] == b[j-1] {
					cost = 0
				}
				cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			}
			prev, cur = cur, prev
		}
		return prev[len(b)]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = "abc:/."[rng.IntN(6)]
		}
		return string(b)
	}
	for range 50_000 {
		a, b := word(), word()
		for k := range 4 {
			want := min(ref(a, b), k+1)
			if got := EditDistance(a, []byte(b), k); got != want {
				t.Fatalf("EditDistance(%q, %q, %d) = %d, want %d", a, b, k, got, want)
			}
		}
	}
}
