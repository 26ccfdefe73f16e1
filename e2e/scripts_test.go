package e2e

import (
	"encoding/json"
	"strings"
	"sync"
)

// The page scripts the flows run (flow_test.go), made here so that the
// test client's page (clientpage_test.go), which runs no JavaScript, can
// tell what each one does: every script made by fetchScript, formScript
// or navigateScript is registered with its action, and the probes are
// fixed expressions. A script the registry does not know fails the test
// client's cell instead of being guessed at.

// A pageAction is what a registered script does.
type pageAction struct {
	kind   string         // actFetch, actForm or actNavigate
	url    string         // the fetch's URL, the form's action, the navigation's target
	opts   map[string]any // fetch's second argument
	fields [][2]string    // the form's fields, in order
	// startLogin: the URL gets ?crosssession=<verifier>, a verifier the
	// page keeps in sessionStorage (the README's first line of "Logins by
	// redirect").
	startLogin bool
}

const (
	actFetch    = "fetch"
	actForm     = "form"
	actNavigate = "navigate"
)

var scriptActions sync.Map // script text -> pageAction

func register(script string, a pageAction) string {
	scriptActions.Store(script, a)
	return script
}

// actionOf returns what a registered script does.
func actionOf(script string) (pageAction, bool) {
	a, ok := scriptActions.Load(script)
	if !ok {
		return pageAction{}, false
	}
	return a.(pageAction), true
}

// fetchScript runs fetch(url, opts) in the page and returns
// {status, body}, or {status: 0, error} when the promise rejects.
func fetchScript(url string, opts map[string]any) string {
	o, _ := json.Marshal(opts)
	return register(`(async () => {
  try {
    const r = await fetch(`+jsString(url)+`, `+string(o)+`);
    return {status: r.status, body: await r.text()};
  } catch (e) { return {status: 0, error: String(e)}; }
})()`, pageAction{kind: actFetch, url: url, opts: opts})
}

// formScript adds a form (POST to action, with fields) to the page and
// submits it once the script has returned: a top-level navigation.
func formScript(action string, fields [][2]string) string {
	return formScriptLogin(action, fields, false)
}

// startLoginJS is the README's first front-end line of "Logins by
// redirect" as an expression: it keeps a fresh verifier in sessionStorage
// and is worth "?crosssession=<verifier>" (or "&…" when the URL has a
// query) to append to the URL that starts the login.
func startLoginJS(url string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return `(sessionStorage.crosssession = crypto.getRandomValues(new Uint32Array(4)).join('-'), ` +
		jsString(sep+"crosssession=") + ` + sessionStorage.crosssession)`
}

// formScriptLogin is formScript for a login that ends with Handoff when
// startLogin is set: the form's action carries the verifier the page keeps
// (startLoginJS).
func formScriptLogin(action string, fields [][2]string, startLogin bool) string {
	f, _ := json.Marshal(fields)
	act := jsString(action)
	if startLogin {
		act += " + " + startLoginJS(action)
	}
	return register(`(() => {
  const f = document.createElement('form');
  f.method = 'POST';
  f.action = `+act+`;
  for (const [k, v] of `+string(f)+`) {
    const i = document.createElement('input');
    i.name = k; i.value = v; f.appendChild(i);
  }
  document.body.appendChild(f);
  setTimeout(() => f.submit(), 0);
  return 'submitting';
})()`, pageAction{kind: actForm, url: action, fields: fields, startLogin: startLogin})
}

// navigateScript sets location.href once the script has returned: a
// top-level GET navigation; with startLogin, to url with the verifier the
// page keeps (startLoginJS).
func navigateScript(url string, startLogin bool) string {
	target := jsString(url)
	if startLogin {
		target += " + " + startLoginJS(url)
	}
	return register(`(() => { const u = `+target+`; setTimeout(() => { location.href = u; }, 0); return 'navigating'; })()`,
		pageAction{kind: actNavigate, url: url, startLogin: startLogin})
}

// The probes the flows read the page with.
const (
	jsHandoffState  = `String(window.handoff)` // the SPA page's redeem: "running", "done", "threw …"
	jsLocation      = `location.href`
	jsLocationReady = `({href: location.href, ready: document.readyState})`
	jsBodyText      = `document.body ? document.body.innerText.slice(0, 200) : ''`
)
