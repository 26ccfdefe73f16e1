package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crosssession/crosssession/redisstore"
	"github.com/redis/go-redis/v9"
)

// TestCluster runs the contract on a Cluster of three masters with one
// replica each (redis-cli --cluster create), with and without WAIT, and
// checks that sessions spread over the slots of every master.
func TestCluster(t *testing.T) {
	c := startCluster(t)
	rc := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: c.addrs(), IsClusterMode: true})
	t.Cleanup(func() { rc.Close() })
	if _, ok := rc.(*redis.ClusterClient); !ok {
		t.Fatalf("UniversalClient for the cluster is a %T", rc)
	}

	t.Run("NoWait", func(t *testing.T) {
		testSemantics(t, rc, redisstore.New(rc, redisstore.Options{}))
	})
	t.Run("WaitReplicas1", func(t *testing.T) {
		testSemantics(t, rc, redisstore.New(rc, redisstore.Options{WaitReplicas: 1, WaitTimeout: time.Second}))
	})

	t.Run("SpreadOverMasters", func(t *testing.T) {
		ctx := context.Background()
		cc := rc.(*redis.ClusterClient)
		st := redisstore.New(rc, redisstore.Options{Prefix: "spread:"})
		const sessions = 300
		ids := make([]string, sessions)
		for i := range ids {
			ids[i] = newID(t)
			if ok, err := st.Update(ctx, ids[i], map[string][]byte{"i": []byte(strconv.Itoa(i))}, nil, time.Minute, true); err != nil || !ok {
				t.Fatalf("Update: %v, %v", ok, err)
			}
		}
		slots := map[int64]bool{}
		for _, id := range ids {
			s, err := cc.ClusterKeySlot(ctx, st.Key(id)).Result()
			if err != nil {
				t.Fatal(err)
			}
			slots[s] = true
		}
		var mu sync.Mutex
		perMaster := map[string]int{}
		err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			var n int
			iter := m.Scan(ctx, 0, "spread:*", 1000).Iterator()
			for iter.Next(ctx) {
				n++
			}
			if err := iter.Err(); err != nil {
				return err
			}
			mu.Lock()
			perMaster[m.Options().Addr] = n
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for addr, n := range perMaster {
			total += n
			if n == 0 {
				t.Errorf("master %s holds no session", addr)
			}
		}
		if len(perMaster) != 3 || total != sessions {
			t.Errorf("sessions per master %v: want 3 masters holding %d in all", perMaster, sessions)
		}
		t.Logf("%d sessions in %d slots; per master: %v", sessions, len(slots), perMaster)
		for i, id := range ids {
			m, ok, err := st.Load(ctx, id)
			if err != nil || !ok || string(m["i"]) != strconv.Itoa(i) {
				t.Fatalf("Load of session %d: %q, %v, %v", i, m, ok, err)
			}
		}
	})
}

// TestSentinel runs the contract through a go-redis failover client
// (UniversalOptions with MasterName) on a master, one replica and three
// sentinels.
func TestSentinel(t *testing.T) {
	s := startSentinels(t, 1, time.Second)
	rc := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: s.sentinelAddrs(), MasterName: masterName})
	t.Cleanup(func() { rc.Close() })
	t.Run("NoWait", func(t *testing.T) {
		testSemantics(t, rc, redisstore.New(rc, redisstore.Options{}))
	})
	t.Run("WaitReplicas1", func(t *testing.T) {
		testSemantics(t, rc, redisstore.New(rc, redisstore.Options{WaitReplicas: 1, WaitTimeout: time.Second}))
	})
	t.Run("WaitReplicas2", func(t *testing.T) {
		st := redisstore.New(rc, redisstore.Options{WaitReplicas: 2, WaitTimeout: 10 * time.Millisecond})
		_, err := st.Update(context.Background(), newID(t), nil, nil, time.Minute, true)
		if !errors.Is(err, redisstore.ErrNotReplicated) {
			t.Errorf("WaitReplicas 2 with one replica: %v, want ErrNotReplicated", err)
		}
	})
}

var _ = fmt.Sprint
