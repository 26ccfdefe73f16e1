package main

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"
)

// The front end: static HTML and plain JavaScript, no build step.
//
//go:embed web/index.html web/app.js
var webFiles embed.FS

// newWeb returns the front-end server's handler. It serves the embedded
// page and /config.js, which tells the page where the API is:
//
//	window.API = "http://localhost:3001";
func newWeb(apiURL string, prod bool) http.Handler {
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // unreachable: the directory is embedded
	}
	mode := "dev"
	if prod {
		mode = "prod"
	}
	apiJSON, _ := json.Marshal(apiURL)
	modeJSON, _ := json.Marshal(mode)
	config := fmt.Appendf(nil, "window.API = %s;\nwindow.DEMO_MODE = %s;\n", apiJSON, modeJSON)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(config)
	})
	mux.Handle("GET /", http.FileServerFS(static))
	return noStore(mux)
}

// noStore keeps browsers from caching the demo page, so a restart with
// other flags is picked up by a reload.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// webLog logs each front-end request with slog.
func webLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		slog.Info("web", "method", r.Method, "path", r.URL.Path, "dur", time.Since(start).Round(time.Microsecond))
	})
}
