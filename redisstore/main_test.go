package redisstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// TestMain silences go-redis' own log (dial failures while a test has
// killed a server on purpose) unless REDIS_LOG=1, and gin's debug output.
func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	if os.Getenv("REDIS_LOG") != "1" {
		redis.SetLogger(quietLogger{})
	}
	os.Exit(m.Run())
}
