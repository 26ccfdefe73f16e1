package redisstore_test

// Real Redis for the tests: redis-server processes started on free
// loopback ports, each in its own temporary directory, without
// persistence, killed (SIGKILL) when the test that started them ends, and
// with the test binary if it dies (Pdeathsig, on Linux). Without
// redis-server and redis-cli on PATH the tests skip with one line, except
// under CI=true, where they fail.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// requireRedis returns the paths of redis-server and redis-cli, or skips
// (fails under CI=true) when one is missing.
func requireRedis(tb testing.TB) (server, cli string) {
	tb.Helper()
	server, err1 := exec.LookPath("redis-server")
	cli, err2 := exec.LookPath("redis-cli")
	if err1 == nil && err2 == nil {
		return server, cli
	}
	msg := "redis-server or redis-cli not on PATH (apt-get install redis-server)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg + ": CI=true, so the Redis tests must run")
	}
	tb.Skip(msg + ": Redis tests skipped")
	return "", ""
}

var ports struct {
	sync.Mutex
	taken map[int]bool
}

// freePort returns a loopback port nothing listens on, below the kernel's
// ephemeral range (32768 and up on Linux) so that no outgoing connection
// takes it before the server binds it, and never the same one twice in a
// run.
func freePort(tb testing.TB) int {
	tb.Helper()
	ports.Lock()
	defer ports.Unlock()
	if ports.taken == nil {
		ports.taken = map[int]bool{}
	}
	for range 1000 {
		p := 20000 + rand.IntN(12000)
		if ports.taken[p] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		ln.Close()
		ports.taken[p] = true
		return p
	}
	tb.Fatal("no free loopback port between 20000 and 32000")
	return 0
}

// proc is a redis-server (or sentinel) this test run started.
type proc struct {
	name   string
	port   int
	dir    string
	cmd    *exec.Cmd
	log    string // its log file
	bin    string
	argv   []string
	exited chan struct{}
}

func (p *proc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// start runs redis-server with args (a config file first, if any, then
// options) on a free port in a fresh directory; it returns once the
// server answers PING, and kills it when tb ends.
func start(tb testing.TB, name string, conf string, args ...string) *proc {
	tb.Helper()
	return startOn(tb, freePort(tb), name, conf, args...)
}

// startOn is start on a given port.
func startOn(tb testing.TB, port int, name string, conf string, args ...string) *proc {
	tb.Helper()
	bin, _ := requireRedis(tb)
	p := &proc{name: name, port: port, dir: tb.TempDir()}
	p.log = filepath.Join(p.dir, "redis.log")
	var argv []string
	if conf != "" {
		path := filepath.Join(p.dir, "redis.conf")
		conf = fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n", p.port, p.dir) + conf
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			tb.Fatal(err)
		}
		argv = append(argv, path)
	}
	argv = append(argv, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1", "--dir", p.dir,
		"--logfile", p.log, "--daemonize", "no")
	argv = append(argv, args...)
	p.bin, p.argv = bin, argv
	p.run(tb)
	tb.Cleanup(p.kill)
	if err := p.waitPing(10 * time.Second); err != nil {
		tb.Fatalf("%s on %s: %v\nlog:\n%s", name, p.addr(), err, p.tail())
	}
	return p
}

func (p *proc) run(tb testing.TB) {
	tb.Helper()
	p.cmd = exec.Command(p.bin, p.argv...)
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", p.name, err)
	}
	exited := make(chan struct{})
	p.exited = exited
	cmd := p.cmd
	go func() { _ = cmd.Wait(); close(exited) }()
}

// restart starts the killed process again, on the same port, in the same
// directory, with extra options after its own, and waits until it
// answers PING.
func (p *proc) restart(tb testing.TB, extra ...string) {
	tb.Helper()
	argv := p.argv
	p.argv = append(slices.Clip(argv), extra...)
	p.run(tb)
	p.argv = argv
	if err := p.waitPing(10 * time.Second); err != nil {
		tb.Fatalf("%s restarted on %s: %v\nlog:\n%s", p.name, p.addr(), err, p.tail())
	}
}

// startNode starts a plain redis-server without persistence, which sends
// a new replica its data at once (not after the default 5s delay).
func startNode(tb testing.TB, name string, args ...string) *proc {
	return start(tb, name, "", append([]string{"--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0"}, args...)...)
}

// waitPing waits until the server answers PING.
func (p *proc) waitPing(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		err := ping(p.addr())
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return errors.New("the process exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG after %v: %w", d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ping sends one PING over a fresh connection.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// kill stops the process with SIGKILL, as a crash would, and waits for it.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
	}
}

// signal sends sig to the process.
func (p *proc) signal(tb testing.TB, sig os.Signal) {
	if err := p.cmd.Process.Signal(sig); err != nil {
		tb.Errorf("signal %v to %s: %v", sig, p.name, err)
	}
}

// tail returns the end of the process's log.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// client returns a plain client to this one server, closed when tb ends.
func (p *proc) client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: p.addr()})
	tb.Cleanup(func() { c.Close() })
	return c
}

// infoField returns field of the INFO section of the server.
func infoField(ctx context.Context, c *redis.Client, section, field string) (string, error) {
	s, err := c.Info(ctx, section).Result()
	if err != nil {
		return "", err
	}
	for line := range strings.SplitSeq(s, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("INFO %s has no %s", section, field)
}

// eventually calls cond every 50ms until it returns nil, or fails tb with
// its last error after d.
func eventually(tb testing.TB, d time.Duration, what string, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not after %v: %v", what, d, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cluster is a Redis Cluster of three masters with one replica each.
type cluster struct {
	nodes []*proc
}

func (c *cluster) addrs() []string {
	var a []string
	for _, n := range c.nodes {
		a = append(a, n.addr())
	}
	return a
}

// startCluster starts six cluster-enabled nodes and joins them with
// redis-cli --cluster create --cluster-replicas 1, then waits until every
// node says cluster_state:ok and every replica is in sync.
func startCluster(tb testing.TB) *cluster {
	tb.Helper()
	_, cli := requireRedis(tb)
	c := &cluster{}
	for i := range 6 {
		busPort := freePort(tb)
		c.nodes = append(c.nodes, startNode(tb, fmt.Sprintf("cluster node %d", i),
			"--cluster-enabled", "yes", "--cluster-port", strconv.Itoa(busPort),
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
			"--cluster-replica-validity-factor", "0"))
	}
	args := append([]string{"--cluster", "create"}, c.addrs()...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range c.nodes {
		rc := n.client(tb)
		eventually(tb, 20*time.Second, n.name+" cluster_state:ok and in sync", func() error {
			info, err := rc.ClusterInfo(context.Background()).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") {
				return errors.New("cluster_state is not ok")
			}
			return nil
		})
		if role, _ := infoField(context.Background(), rc, "replication", "role"); role == "master" {
			waitReplicasOnline(tb, rc, 1)
		}
	}
	return c
}

// masterAndReplica returns a master of the cluster and its replica.
func (c *cluster) masterAndReplica(tb testing.TB) (master, replica *proc) {
	tb.Helper()
	nodes, err := c.nodes[0].client(tb).ClusterNodes(context.Background()).Result()
	if err != nil {
		tb.Fatal(err)
	}
	byAddr := map[string]*proc{}
	for _, n := range c.nodes {
		byAddr[n.addr()] = n
	}
	// <id> <ip:port@bus> <flags> <master id or -> ...
	type node struct{ id, addr, flags, master string }
	var all []node
	for line := range strings.SplitSeq(strings.TrimSpace(nodes), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		all = append(all, node{f[0], addr, f[2], f[3]})
	}
	for _, m := range all {
		if !strings.Contains(m.flags, "master") {
			continue
		}
		for _, r := range all {
			if r.master == m.id && byAddr[m.addr] != nil && byAddr[r.addr] != nil {
				return byAddr[m.addr], byAddr[r.addr]
			}
		}
	}
	tb.Fatalf("no master with a replica in CLUSTER NODES:\n%s", nodes)
	return nil, nil
}

// waitReplicasOnline waits until master counts n replicas online: only
// then does WAIT count them (a replica whose link is up is put online by
// its first acknowledgement, up to a second later).
func waitReplicasOnline(tb testing.TB, master *redis.Client, n int) {
	tb.Helper()
	eventually(tb, 10*time.Second, fmt.Sprintf("%d replicas online", n), func() error {
		info, err := master.Info(context.Background(), "replication").Result()
		if err != nil {
			return err
		}
		if online := strings.Count(info, ",state=online,"); online != n {
			return fmt.Errorf("%d replicas online:\n%s", online, info)
		}
		return nil
	})
}

// sentinelSet is a master, its replicas and three sentinels watching it
// under the name "mymaster" (quorum 2).
type sentinelSet struct {
	master    *proc
	replicas  []*proc
	sentinels []*proc
}

const masterName = "mymaster"

func (s *sentinelSet) sentinelAddrs() []string {
	var a []string
	for _, p := range s.sentinels {
		a = append(a, p.addr())
	}
	return a
}

// startSentinels starts a master with n replicas and three sentinels
// (down-after-milliseconds downAfter), and waits until every sentinel
// knows the replicas and the two other sentinels, so that a failover can
// be elected at once.
func startSentinels(tb testing.TB, n int, downAfter time.Duration) *sentinelSet {
	tb.Helper()
	s := &sentinelSet{master: startNode(tb, "master")}
	for i := range n {
		r := startNode(tb, fmt.Sprintf("replica %d", i), "--replicaof", "127.0.0.1", strconv.Itoa(s.master.port))
		s.replicas = append(s.replicas, r)
	}
	waitReplicasOnline(tb, s.master.client(tb), n)
	// Each sentinel is told the others and the replicas up front (fixed
	// IDs), instead of learning them from hello messages every 2s.
	sentinelPorts := []int{freePort(tb), freePort(tb), freePort(tb)}
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = fmt.Sprintf("%040x", rand.Uint64())
	}
	for i, port := range sentinelPorts {
		conf := fmt.Sprintf("sentinel myid %s\n"+
			"sentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %s %d\n"+
			"sentinel failover-timeout %s 10000\n"+
			"sentinel parallel-syncs %s %d\n",
			ids[i], masterName, s.master.port, masterName, downAfter.Milliseconds(), masterName, masterName, n)
		for _, r := range s.replicas {
			conf += fmt.Sprintf("sentinel known-replica %s 127.0.0.1 %d\n", masterName, r.port)
		}
		for j, other := range sentinelPorts {
			if j != i {
				conf += fmt.Sprintf("sentinel known-sentinel %s 127.0.0.1 %d %s\n", masterName, other, ids[j])
			}
		}
		s.sentinels = append(s.sentinels, startOn(tb, port, fmt.Sprintf("sentinel %d", i), conf, "--sentinel"))
	}
	for _, p := range s.sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: p.addr()})
		tb.Cleanup(func() { sc.Close() })
		eventually(tb, 15*time.Second, p.name+" knows the replicas and the other sentinels", func() error {
			m, err := sc.Master(context.Background(), masterName).Result()
			if err != nil {
				return err
			}
			if m["num-slaves"] != strconv.Itoa(n) || m["num-other-sentinels"] != "2" {
				return fmt.Errorf("num-slaves %s, num-other-sentinels %s", m["num-slaves"], m["num-other-sentinels"])
			}
			return nil
		})
	}
	return s
}

// masterAddr asks the first live sentinel where the master is.
func (s *sentinelSet) masterAddr(ctx context.Context) (string, error) {
	var last error
	for _, p := range s.sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: p.addr(), MaxRetries: -1})
		a, err := sc.GetMasterAddrByName(ctx, masterName).Result()
		sc.Close()
		if err == nil {
			return net.JoinHostPort(a[0], a[1]), nil
		}
		last = err
	}
	return "", last
}

// agree returns nil once every sentinel names one master, not old.
func (s *sentinelSet) agree(ctx context.Context, old string) error {
	var seen []string
	for _, p := range s.sentinels {
		sc := redis.NewSentinelClient(&redis.Options{Addr: p.addr(), MaxRetries: -1})
		a, err := sc.GetMasterAddrByName(ctx, masterName).Result()
		sc.Close()
		if err != nil {
			return err
		}
		seen = append(seen, net.JoinHostPort(a[0], a[1]))
	}
	for _, a := range seen {
		if a == old || a != seen[0] {
			return fmt.Errorf("sentinels name %v", seen)
		}
	}
	return nil
}
