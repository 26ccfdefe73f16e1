#!/usr/bin/env bash
# Instructions per request under callgrind: a count a shared, noisy machine
# does not disturb. For each benchmark given (a -test.bench pattern naming
# one sub-benchmark), the test binary runs it twice under valgrind with
# collection only inside gin's Engine.ServeHTTP, for LO and HI iterations;
# (Ir(HI) - Ir(LO)) / (HI - LO) is one request, its setup and first calls
# cancelled out. Allocation and GC assists are counted; background GC
# workers are not.
#
#	cd bench && go test -c -o /tmp/bench.test . && ./instructions.sh /tmp/bench.test \
#	    'SimpleGET$/impl=bearer$/origins=1$' 'SimpleGET$/impl=rscors$/origins=1$'
#
# prints one line per benchmark: name, instructions per request.
set -euo pipefail
bin=$1
shift
lo=${LO:-1000}
hi=${HI:-6000}
ir() {
	out=$(mktemp)
	GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect='github.com/gin-gonic/gin.(*Engine).ServeHTTP' \
		"$bin" -test.run='^$' -test.bench="^Benchmark$1" -test.benchtime="$2x" >/dev/null 2>&1
	awk '/^summary:/ { print $2 }' "$out"
	rm -f "$out"
}
for b in "$@"; do
	a=$(ir "$b" "$lo")
	z=$(ir "$b" "$hi")
	echo "$b $(( (z - a) / (hi - lo) ))"
done
