package crosssession_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/crosssession/crosssession"
	"github.com/gin-gonic/gin"
)

func TestReview2_ConcurrentGroupsOnSeparateEngines(t *testing.T) {
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := gin.New()
			api := crosssession.Group(r, "/api", crosssession.Bearer(front))
			crosssession.Group(api, "/s", prodCfg(front))
			runtime.GC()
			crosssession.Group(r, "/api/t", prodCfg(front))
			w := serve(r, preflight("/api/s/x", front, "POST"))
			if w.Header().Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("%v", w.Header())
			}
		}()
	}
	wg.Wait()
}
