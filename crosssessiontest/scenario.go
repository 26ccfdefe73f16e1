package crosssessiontest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Scenario is a browser session written once as plain data, so that the
// same steps can run in this client (Run) and, in an end-to-end harness,
// in a real engine (each step is one line of page JavaScript or one
// WebDriver navigation), and the outcomes compared per profile.
type Scenario struct {
	Name  string // labels the scenario in reports
	Steps []Step // run in order, in one Browser
}

// Step is one action of a Scenario. Exactly one of Open, Fetch, Navigate
// and RedeemHandoff is set.
type Step struct {
	// Name labels the step in outcomes ("login", "whoami").
	Name string
	// Page names the tab the step runs in; "" is "main". A page must be
	// opened (Open) before other steps use it.
	Page string
	// Open opens Page at this URL, with no request (Browser.Open).
	Open string
	// Fetch runs fetch(Fetch, Init) in Page (Page.Fetch).
	Fetch string
	Init  Init
	// Navigate moves Page to this URL: a GET navigation, or a form POST
	// of Form when Form is not nil (Page.Navigate, Page.SubmitForm).
	Navigate string
	Form     url.Values
	// StartLogin, with Navigate, starts a login that ends with Handoff:
	// the URL gets ?crosssession=<verifier>, a verifier Page keeps
	// (Page.StartLogin) for the RedeemHandoff step.
	StartLogin bool
	// RedeemHandoff redeems the #crosssession= code in Page's location
	// with a credentialed fetch of this URL (Page.RedeemHandoff).
	RedeemHandoff string
}

// Outcome is what one step gave.
type Outcome struct {
	Step string // the Step's Name
	// Status is the response status, 0 when the request failed or no
	// request was made.
	Status int
	Body   string // the response body the page reads
	// Error is the CORS failure's Kind, or the network error's text.
	Error string
	// Cookie is the Cookie header the final request carried.
	Cookie string
	// Location is the page's location after the step.
	Location string
	// Refused lists the cookies refused during the step (Response.Refused).
	Refused []CookieRefusal
	// Response is the step's response (nil for Open, or a RedeemHandoff
	// without a code).
	Response *Response
}

// Verdict is the outcome in a form an engine can also produce: the status
// ("200"), "cors:<Kind>", "error: <text>", or "-" when no request was
// made.
func (o Outcome) Verdict() string {
	switch {
	case o.Error != "" && o.Response != nil && o.Response.CORSError != nil:
		return "cors:" + o.Error
	case o.Error != "":
		return "error: " + o.Error
	case o.Status == 0:
		return "-"
	}
	return strconv.Itoa(o.Status)
}

// Run plays the scenario in b, one step after the other, and returns one
// outcome per step. A step that names a page not opened yet, or sets no
// action or more than one, gives an outcome with that error.
func (s Scenario) Run(b *Browser) []Outcome {
	pages := map[string]*Page{}
	out := make([]Outcome, 0, len(s.Steps))
	for _, st := range s.Steps {
		out = append(out, st.run(b, pages))
	}
	return out
}

// run plays the step in its page, which Open adds to pages.
func (st Step) run(b *Browser, pages map[string]*Page) Outcome {
	name := st.Page
	if name == "" {
		name = "main"
	}
	o := Outcome{Step: st.Name}
	switch n := st.actions(); {
	case n != 1:
		o.Error = fmt.Sprintf("step %q sets %d of Open, Fetch, Navigate, RedeemHandoff; want one", st.Name, n)
	case st.Open != "":
		pages[name] = b.Open(st.Open)
	case pages[name] == nil:
		o.Error = fmt.Sprintf("step %q uses page %q before it is opened", st.Name, name)
	default:
		o.record(st.act(pages[name]))
	}
	if page := pages[name]; page != nil {
		o.Location = page.URL()
	}
	return o
}

// actions counts the actions the step sets.
func (st Step) actions() int {
	n := 0
	for _, v := range []string{st.Open, st.Fetch, st.Navigate, st.RedeemHandoff} {
		if v != "" {
			n++
		}
	}
	return n
}

// act runs the step's request in page.
func (st Step) act(page *Page) *Response {
	switch {
	case st.Fetch != "":
		return page.Fetch(st.Fetch, st.Init)
	case st.Navigate != "" && st.Form != nil:
		return page.SubmitForm(st.navigateURL(page), st.Form)
	case st.Navigate != "":
		return page.Navigate(st.navigateURL(page))
	}
	return page.RedeemHandoff(st.RedeemHandoff)
}

// navigateURL is Navigate, with the verifier of a login it starts
// (StartLogin).
func (st Step) navigateURL(page *Page) string {
	if !st.StartLogin {
		return st.Navigate
	}
	return page.StartLoginURL(st.Navigate)
}

// record keeps what the page got: nothing when no request was made.
func (o *Outcome) record(r *Response) {
	o.Response = r
	if r == nil {
		return
	}
	o.Status, o.Body, o.Cookie, o.Refused = r.Status, r.Body, r.Sent(), r.Refused
	switch {
	case r.CORSError != nil:
		o.Error = r.CORSError.Kind
	case r.Err != nil:
		o.Error = r.Err.Error()
	}
}

// String is a one-line summary: "step: verdict (refused: ...)".
func (o Outcome) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s: %s", o.Step, o.Verdict())
	if len(o.Refused) > 0 {
		s.WriteString(" (refused:")
		for _, r := range o.Refused {
			fmt.Fprintf(&s, " %s/%s:%s", r.Name, r.Stage, r.Reason)
		}
		s.WriteString(")")
	}
	return s.String()
}
