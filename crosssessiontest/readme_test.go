package crosssessiontest_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/crosssession/crosssession/crosssessiontest"
	"github.com/gin-gonic/gin"
)

// TestLoginFlow is the README's test, as written there ("Testing your
// login flow like a browser").
func TestLoginFlow(t *testing.T) {
	newRouter := func() *gin.Engine { return newRouter("https://app.example.com") }
	for _, p := range crosssessiontest.Profiles { // Chromium (third-party cookies blocked, and allowed), Firefox, WebKit
		b := crosssessiontest.New(p)
		b.Serve("api.example.com", newRouter()) // your gin.Engine
		spa := b.Open("https://app.example.com/")
		login := spa.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include})
		me := spa.Fetch("https://api.example.com/me", crosssessiontest.Init{Credentials: crosssessiontest.Include})
		if me.Status != 200 {
			t.Errorf("%s: login %d, me %d %v; refused: %v", p, login.Status, me.Status, me.Err, append(login.Refused, me.Refused...))
		}
	}
}

// TestReadmeFailure checks the failure the README quotes, for the front
// end on https://myapp.vercel.app, and that the README quotes the test
// above.
func TestReadmeFailure(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	b := crosssessiontest.New(crosssessiontest.WebKit)
	b.Serve("api.example.com", newRouter("https://myapp.vercel.app"))
	spa := b.Open("https://myapp.vercel.app/")
	login := spa.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include})
	me := spa.Fetch("https://api.example.com/me", crosssessiontest.Init{Credentials: crosssessiontest.Include})
	msg := fmt.Sprintf("%s: login %d, me %d %v; refused: %v", b.Profile(), login.Status, me.Status, me.Err, append(login.Refused, me.Refused...))
	if !strings.Contains(string(readme), "\n"+msg+"\n") {
		t.Errorf("the README should quote:\n%s", msg)
	}
	for _, line := range []string{
		`login := spa.Fetch("https://api.example.com/login", crosssessiontest.Init{Method: "POST", Credentials: crosssessiontest.Include})`,
		`t.Errorf("%s: login %d, me %d %v; refused: %v", p, login.Status, me.Status, me.Err, append(login.Refused, me.Refused...))`,
	} {
		if !strings.Contains(string(readme), line) {
			t.Errorf("the README's test differs from TestLoginFlow: %s", line)
		}
	}
}
