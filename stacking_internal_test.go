package crosssession

import (
	"testing"

	gsessions "github.com/gorilla/sessions"
)

// TestStack tables stacking rules 3 and 4 (stacking.go).
func TestStack(t *testing.T) {
	t.Parallel()
	outer := &sessionConfig{name: "__Host-session", keyIDs: [][32]byte{{1}}}
	sameName := &sessionConfig{name: "__Host-session", keyIDs: [][32]byte{{1}}}
	otherKey := &sessionConfig{name: "__Host-session", keyIDs: [][32]byte{{2}}}
	ownName := &sessionConfig{name: "__Host-partner", keyIDs: [][32]byte{{1}}}
	store := &sessionConfig{name: "__Host-session", store: &memStoreStub{}}
	forbid := decision{action: actForbid, origin: "https://evil.test"}
	admit := decision{action: actNext, origin: "https://evil.test", allow: true}
	for _, tc := range []struct {
		name       string
		d          decision
		self       *sessionConfig
		unsafe     bool
		laterGroup bool
		refused    []*sessionConfig
		want       action
		record     bool
	}{
		{"refusal, no later Group: stands", forbid, outer, true, false, nil, actForbid, false},
		{"refusal, later Group decides (rule 3)", forbid, outer, true, true, nil, actDefer, true},
		{"Bearer refusal cannot happen, but defers unrecorded", forbid, nil, true, true, nil, actDefer, false},
		{"admit, nothing refused", admit, sameName, true, false, nil, actNext, false},
		{"admit, refused by a policy of the same cookie (rule 4)", admit, sameName, true, false, []*sessionConfig{outer}, actForbid, false},
		{"admit, refused deeper up the chain (rule 4)", admit, sameName, true, false, []*sessionConfig{outer, ownName}, actForbid, false},
		{"admit, same name but no common key", admit, otherKey, true, false, []*sessionConfig{outer}, actNext, false},
		{"admit, a Store with the same name", admit, store, true, false, []*sessionConfig{outer}, actForbid, false},
		{"admit, own cookie name", admit, ownName, true, false, []*sessionConfig{outer}, actNext, false},
		{"admit, safe method", admit, sameName, false, false, []*sessionConfig{outer}, actNext, false},
		{"admit, Bearer", admit, nil, true, false, []*sessionConfig{outer}, actNext, false},
	} {
		got, record := stack(tc.d, tc.self, tc.unsafe, tc.laterGroup, tc.refused)
		if got.action != tc.want || record != tc.record || (got.action == actForbid && got.allow) {
			t.Errorf("%s: %+v record %v, want %v record %v", tc.name, got, record, tc.want, tc.record)
		}
	}
}

// memStoreStub is a Store that is never called: stack only asks whether
// one is set.
type memStoreStub struct{ gsessions.Store }
