package crosssession

import (
	"errors"
	"slices"

	"github.com/gin-gonic/gin"
)

// Stacking: the rules between the policies on one route's chain (an
// engine-level New with Groups under it, Groups inside Groups), in one
// place. TestStack tables them; stacking_test.go runs them through gin.
//
//  1. A preflight for a path a nested Group owns is answered by that
//     Group's policy (middleware.subFor).
//  2. A preflight that reaches a Group's own preflight route through an
//     outer policy is passed on to the Group (decide: actDefer).
//  3. A session policy that would refuse an unsafe cross-origin request
//     (CSRF) lets a session Group later in the chain decide instead, and
//     records its refusal in the request.
//  4. A session policy that would admit such a request refuses it after
//     all when a policy that refused it (rule 3, at any depth) shares its
//     cookie (sessionConfig.shares): it would act on that policy's session.
//  5. On a Group's routes the innermost policy writes the CORS headers;
//     writeCORS replaces a stacked policy's, so a response never carries
//     two Allow-Origin values.

var errSharedCookie = errors.New("an enclosing policy refuses this origin and this policy reads that policy's session cookie")

// stack applies rules 3 and 4 to d, the decision of a policy whose session
// is self (nil for Bearer). laterGroup says whether a session Group comes
// after the policy in the route's chain; refused lists the sessions of the
// policies that refused the request before. record says whether self must
// be added to that list (rule 3; the decision is then actDefer).
func stack(d decision, self *sessionConfig, unsafe, laterGroup bool, refused []*sessionConfig) (out decision, record bool) {
	switch {
	case d.action == actForbid && laterGroup:
		d.action = actDefer
		return d, self != nil
	case d.action == actNext && self != nil && d.origin != "" && unsafe && slices.ContainsFunc(refused, self.shares):
		d.action, d.csrf, d.allow = actForbid, errSharedCookie, false
	}
	return d, false
}

// refusedKey holds, in the gin context, the sessions of the policies that
// refused the request and deferred to a later Group ([]*sessionConfig),
// outermost first.
const refusedKey = "github.com/crosssession/crosssession/refused"

// refusedBy returns the sessions of the policies that refused c's request
// so far.
func refusedBy(c *gin.Context) []*sessionConfig {
	v, _ := c.Get(refusedKey)
	r, _ := v.([]*sessionConfig)
	return r
}
