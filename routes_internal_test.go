package crosssession

import (
	"fmt"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestMatchSegments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"/items/:id", "/items/42", true},
		{"/items/:id", "/items/", false},
		{"/items/:id", "/items/42/x", false},
		{"/items/:id/parts", "/items/42/parts", true},
		{"/files/*path", "/files/a/b", true},
		{"/files/*path", "/files/", true},
		{"/a/:b/:c", "/a/1/2", true},
		{"/a/:b/:c", "/a/1", false},
	} {
		r := newRouteTable(gin.RoutesInfo{{Method: "GET", Path: tc.pattern}})
		if got := r.serves("GET", tc.path); got != tc.want {
			t.Errorf("%s on %s: %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

// BenchmarkRouteTable: what a preflight pays to ask the route table, with
// 200 routes, half of them with parameters; other requests never ask.
func BenchmarkRouteTable(b *testing.B) {
	var routes gin.RoutesInfo
	for i := range 100 {
		routes = append(routes, gin.RouteInfo{Method: "GET", Path: fmt.Sprintf("/static/%d", i)},
			gin.RouteInfo{Method: "PUT", Path: fmt.Sprintf("/items%d/:id", i)})
	}
	t := newRouteTable(routes)
	b.ReportAllocs()
	for b.Loop() {
		if !t.serves("PUT", "/items99/7") {
			b.Fatal("not served")
		}
	}
}
