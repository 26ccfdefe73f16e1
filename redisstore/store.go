// Package redisstore keeps crosssession's server-side sessions in Redis:
// a single node, a Sentinel-managed master or a Cluster, through any
// github.com/redis/go-redis/v9 UniversalClient. It implements
// crosssession.Backend:
//
//	cfg.Backend = redisstore.New(redis.NewUniversalClient(&redis.UniversalOptions{
//		Addrs: []string{"redis.internal:6379"},
//	}), redisstore.Options{})
//
// Each session is one Redis hash, Options.Prefix followed by the session
// ID, with one field per session value; every command names that single
// key, so sessions spread over a Cluster's slots. Loading a session is one
// HGETALL; saving one is one EVALSHA of a short Lua script that checks the
// session still exists (unless it is being created), removes and sets the
// changed values only, and renews the time to live, atomically; deleting
// one is one DEL. No command is sent for anything else: no PING, no
// MULTI, no read before a write. With Options.WaitReplicas, a WAIT follows
// each write on the same connection, in the same round trip.
//
// A failure (no master reachable, a Cluster slot without a master, a
// timeout) is returned as an error, never a panic, and never names the
// session ID; on a Cluster it also has the client refresh its map of the
// slots, so that it finds a promoted replica at once.
//
// What this gives the middleware: a request that loaded a session before
// a logout cannot bring it back when it saves (the script changes nothing
// and Update returns false); two requests that change different values of
// one session both keep their change; of two changing the same value, the
// one Redis runs last wins.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/crosssession/crosssession"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix of a zero Options.Prefix.
const DefaultPrefix = "crosssession:"

// DefaultWaitTimeout is how long WAIT waits when Options.WaitReplicas is
// set and Options.WaitTimeout is zero.
const DefaultWaitTimeout = 100 * time.Millisecond

// marker is the hash field every stored session has, with an empty value,
// so that a session whose values were all removed still exists (Redis
// deletes an empty hash). Load leaves it out; Update refuses it as a value
// name.
const marker = ""

// ErrNotReplicated is returned (wrapped) by Update and Delete when
// Options.WaitReplicas is set and fewer replicas than that acknowledged the
// write within Options.WaitTimeout. The master did apply the write, but a
// failover could lose it, so the request is answered as a failure.
var ErrNotReplicated = errors.New("redisstore: write not acknowledged by enough replicas")

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Prefix comes before the session ID in each session's key. Zero
	// value: DefaultPrefix ("crosssession:"). Give each application that
	// shares a Redis its own. On a Cluster, a prefix with a hash tag
	// ("{...}") would put every session in one slot: leave braces out.
	Prefix string

	// WaitReplicas, when positive, makes every write (Update, Delete)
	// followed by WAIT WaitReplicas WaitTimeout on the same connection, in
	// the same round trip: the write counts as done only once that many
	// replicas have it, so that a failover right after it does not lose
	// it. When fewer replicas acknowledge in time, the write returns an
	// error wrapping ErrNotReplicated (the request gets 503) although the
	// master did apply it. So while fewer replicas than WaitReplicas are
	// up, every write fails: after a failover the promoted replica no
	// longer counts, so to keep writing through one, give each master at
	// least WaitReplicas+1 replicas. Zero value: no WAIT; a write is done
	// once the master has it, and the writes a master acknowledged but had
	// not yet sent to the replica promoted in its place are lost.
	WaitReplicas int

	// WaitTimeout bounds each WAIT, rounded up to a whole millisecond.
	// Zero value: DefaultWaitTimeout (100ms). Used only with WaitReplicas.
	WaitTimeout time.Duration
}

// Store is a crosssession.Backend on Redis. It is safe for concurrent use;
// create one per client with New.
type Store struct {
	client       redis.UniversalClient
	prefix       string
	waitReplicas int
	waitMillis   int64
}

var _ crosssession.Backend = (*Store)(nil)

// New returns a Store keeping sessions through client, which it does not
// close: a *redis.Client (single node, or Sentinel through
// redis.NewFailoverClient or a UniversalOptions with MasterName) or a
// *redis.ClusterClient. Other UniversalClients (a *redis.Ring) work
// without WaitReplicas. Read sessions from masters only: a replica can
// still hold a session that was just ended, so leave the client's
// ReadOnly, RouteByLatency and RouteRandomly off.
//
// New sends nothing to Redis. It panics when client is nil, when
// WaitReplicas or WaitTimeout is negative, or when WaitReplicas
// is set for a client that is neither a *redis.Client nor a
// *redis.ClusterClient (WAIT must follow the write on its connection).
func New(client redis.UniversalClient, opts Options) *Store {
	if client == nil {
		panic("redisstore.New: nil client")
	}
	if opts.WaitReplicas < 0 || opts.WaitTimeout < 0 {
		panic(fmt.Sprintf("redisstore.New: negative option (WaitReplicas %d, WaitTimeout %v)", opts.WaitReplicas, opts.WaitTimeout))
	}
	if opts.WaitReplicas > 0 {
		switch client.(type) {
		case *redis.Client, *redis.ClusterClient:
		default:
			panic(fmt.Sprintf("redisstore.New: WaitReplicas needs a *redis.Client or *redis.ClusterClient, not %T", client))
		}
	}
	s := &Store{client: client, prefix: opts.Prefix, waitReplicas: opts.WaitReplicas}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	wt := opts.WaitTimeout
	if wt == 0 {
		wt = DefaultWaitTimeout
	}
	s.waitMillis = int64((wt + time.Millisecond - 1) / time.Millisecond)
	return s
}

// Key returns the Redis key of session id: Options.Prefix followed by id.
func (s *Store) Key(id string) string { return s.prefix + id }

// Load returns the values of session id and true, or false when Redis has
// no such session: one HGETALL.
func (s *Store) Load(ctx context.Context, id string) (map[string][]byte, bool, error) {
	if id == "" {
		return nil, false, nil
	}
	m, err := s.client.HGetAll(ctx, s.prefix+id).Result()
	if err != nil {
		return nil, false, s.fail(ctx, "load", err)
	}
	if len(m) == 0 {
		return nil, false, nil
	}
	values := make(map[string][]byte, len(m))
	for k, v := range m {
		if k != marker {
			values[k] = []byte(v)
		}
	}
	return values, true, nil
}

// updateScript is Update's single command. KEYS[1] is the session's hash.
// ARGV[1] is "1" to create the session when it does not exist, "0" to
// change nothing and return 0 then; ARGV[2] the time to live in
// milliseconds; ARGV[3] the number n of names to remove, which follow
// (ARGV[4] to ARGV[3+n]); the rest are name, value pairs to set. The empty
// field (the marker) keeps a session with no values in existence. Names
// and pairs go in slices of at most 500, within Lua's unpack limit.
const updateScript = `local key = KEYS[1]
if ARGV[1] ~= '1' and redis.call('EXISTS', key) == 0 then
  return 0
end
local n = tonumber(ARGV[3])
for i = 4, 3 + n, 500 do
  redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 499, 3 + n)))
end
redis.call('HSET', key, '', '')
for i = 4 + n, #ARGV, 500 do
  redis.call('HSET', key, unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
redis.call('PEXPIRE', key, ARGV[2])
return 1
`

var update = redis.NewScript(updateScript)

// UpdateScript returns the Lua source of the script Update runs, for
// review or for loading it ahead of time (SCRIPT LOAD); Update loads it by
// itself when Redis does not have it.
func UpdateScript() string { return updateScript }

// Update changes session id atomically with one EVALSHA (one EVAL the
// first time a Redis node sees the script): unless create is true, it
// changes nothing and returns false when the session does not exist;
// otherwise it removes the names in del, then sets the values of set (so a
// name in both is set), and makes the session expire ttl from now (rounded
// up to a whole millisecond). ttl must be positive. The empty name is
// reserved.
func (s *Store) Update(ctx context.Context, id string, set map[string][]byte, del []string, ttl time.Duration, create bool) (bool, error) {
	if id == "" {
		return false, errors.New("redisstore: update: empty session ID")
	}
	if ttl <= 0 {
		return false, fmt.Errorf("redisstore: update: time to live %v, want a positive duration", ttl)
	}
	args := make([]any, 0, 3+len(del)+2*len(set))
	c := "0"
	if create {
		c = "1"
	}
	ms := int64((ttl + time.Millisecond - 1) / time.Millisecond)
	args = append(args, c, strconv.FormatInt(ms, 10), strconv.Itoa(len(del)))
	for _, name := range del {
		if name == marker {
			return false, errors.New("redisstore: update: the empty value name is reserved")
		}
		args = append(args, name)
	}
	for name, v := range set {
		if name == marker {
			return false, errors.New("redisstore: update: the empty value name is reserved")
		}
		args = append(args, name, v)
	}
	keys := []string{s.prefix + id}

	if s.waitReplicas == 0 {
		n, err := update.Run(ctx, s.client, keys, args...).Int64()
		if err != nil {
			return false, s.fail(ctx, "update", err)
		}
		return n == 1, nil
	}
	var n int64
	err := s.waited(ctx, keys[0], func(p redis.Pipeliner, sha bool) *redis.Cmd {
		if sha {
			return update.EvalSha(ctx, p, keys, args...)
		}
		return update.Eval(ctx, p, keys, args...)
	}, func(c *redis.Cmd) error {
		var err error
		n, err = c.Int64()
		return err
	})
	if err != nil {
		return false, s.fail(ctx, "update", err)
	}
	return n == 1, nil
}

// Delete removes session id with one DEL and reports whether it existed.
// The client's retries can blur that answer: when a DEL's reply is lost
// and go-redis sends it again, the second one finds nothing and Delete
// reports false, although the session existed and is gone.
func (s *Store) Delete(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	key := s.prefix + id
	if s.waitReplicas == 0 {
		n, err := s.client.Del(ctx, key).Result()
		if err != nil {
			return false, s.fail(ctx, "delete", err)
		}
		return n == 1, nil
	}
	var n int64
	err := s.waited(ctx, key, func(p redis.Pipeliner, _ bool) *redis.Cmd {
		return p.Do(ctx, "del", key)
	}, func(c *redis.Cmd) error {
		var err error
		n, err = c.Int64()
		return err
	})
	if err != nil {
		return false, s.fail(ctx, "delete", err)
	}
	return n == 1, nil
}

// waited sends the write that queue adds to a pipeline followed by WAIT,
// on one connection to the master of key, in one round trip, and hands
// the write's reply to read. When the script is not in the node's cache
// (NOSCRIPT), it sends both again with the script's source. On a Cluster
// the pipeline goes to the node the client's map of the slots names and
// follows no redirection: a MOVED fails the call, and fail has the map
// refreshed.
func (s *Store) waited(ctx context.Context, key string, queue func(p redis.Pipeliner, sha bool) *redis.Cmd, read func(*redis.Cmd) error) error {
	switch c := s.client.(type) {
	case *redis.Client:
		return s.waitedOn(ctx, c, queue, read)
	case *redis.ClusterClient:
		node, err := c.MasterForKey(ctx, key)
		if err == nil {
			err = s.waitedOn(ctx, node, queue, read)
		}
		return err
	}
	panic("redisstore: WaitReplicas with a client New refuses")
}

func (s *Store) waitedOn(ctx context.Context, node *redis.Client, queue func(p redis.Pipeliner, sha bool) *redis.Cmd, read func(*redis.Cmd) error) error {
	for _, sha := range []bool{true, false} {
		var write, wait *redis.Cmd
		_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
			write = queue(p, sha)
			wait = p.Do(ctx, "wait", s.waitReplicas, s.waitMillis)
			return nil
		})
		if sha && redis.HasErrorPrefix(write.Err(), "NOSCRIPT") {
			continue
		}
		if err := write.Err(); err != nil {
			return err
		}
		if err := read(write); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		got, err := wait.Int64()
		if err != nil {
			return err
		}
		if got < int64(s.waitReplicas) {
			return fmt.Errorf("%w (%d of %d within %dms)", ErrNotReplicated, got, s.waitReplicas, s.waitMillis)
		}
		return nil
	}
	// Not reached: the second pass sends the source and returns.
	return errors.New("redisstore: script not loaded")
}

// fail wraps a Redis error for the middleware. The session ID is never in
// it (it is a credential and the error is logged). On a Cluster it also
// has the client refresh its map of the slots, in the background: go-redis
// does so by itself only on a MOVED or READONLY reply, or once a minute,
// so without it the sessions of a master that died would keep failing
// (connection refused) for up to a minute after its replica took over.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if c, ok := s.client.(*redis.ClusterClient); ok && !errors.Is(err, ErrNotReplicated) {
		c.ReloadState(ctx)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}
