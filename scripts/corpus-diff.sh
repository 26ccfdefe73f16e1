#!/usr/bin/env bash
# corpus-diff.sh OLD NEW: dump the library's observable behaviour at two
# commits with corpus_test.go and print the unified diff of the dumps.
#
#   scripts/corpus-diff.sh main corpus
#   scripts/corpus-diff.sh HEAD~3 HEAD
#
# Each commit is checked out in a temporary git worktree; the same
# corpus_test.go (by default the one next to this script, override with
# CORPUS_TEST=path) is copied into both and run with
#   CORPUS_OUT=... go test -tags corpus -count=1 -run TestCorpusDump .
# The other test files at the repository root are removed from the
# temporary worktrees first, so the dump depends only on the package and
# corpus_test.go (not on helpers or gob.Register calls in tests that differ
# between the commits); set CORPUS_KEEP_TESTS=1 to keep them.
#
# The dumps are kept when CORPUS_KEEP_DUMPS=dir is set (dir/old.txt,
# dir/new.txt). Exit status: 0 identical, 1 different, 2 error.
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 OLD-COMMIT NEW-COMMIT" >&2
	exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
corpus=${CORPUS_TEST:-$repo/corpus_test.go}
if [[ ! -f $corpus ]]; then
	echo "corpus-diff: $corpus not found (set CORPUS_TEST)" >&2
	exit 2
fi
corpus=$(cd "$(dirname "$corpus")" && pwd)/$(basename "$corpus")

old=$(git -C "$repo" rev-parse --verify "$1^{commit}") || { echo "corpus-diff: no commit $1" >&2; exit 2; }
new=$(git -C "$repo" rev-parse --verify "$2^{commit}") || { echo "corpus-diff: no commit $2" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/corpus-diff.XXXXXX")
worktrees=()
cleanup() {
	for wt in "${worktrees[@]}"; do
		git -C "$repo" worktree remove --force "$wt" >/dev/null 2>&1 || true
	done
	git -C "$repo" worktree prune >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# dump COMMIT NAME: writes $tmp/NAME.txt.
dump() {
	local commit=$1 name=$2 wt=$tmp/$2
	git -C "$repo" worktree add --detach --quiet "$wt" "$commit"
	worktrees+=("$wt")
	if [[ ${CORPUS_KEEP_TESTS:-} != 1 ]]; then
		find "$wt" -maxdepth 1 -name '*_test.go' -delete
	fi
	cp "$corpus" "$wt/corpus_test.go"
	echo "corpus-diff: $name = $(git -C "$repo" rev-parse --short "$commit") ($(git -C "$repo" log -1 --format=%s "$commit" | cut -c1-60))" >&2
	if ! (cd "$wt" && CORPUS_OUT="$tmp/$name.txt" go test -tags corpus -count=1 -run '^TestCorpusDump$' . >"$tmp/$name.log" 2>&1); then
		echo "corpus-diff: go test failed at $commit:" >&2
		cat "$tmp/$name.log" >&2
		exit 2
	fi
	if [[ ! -s $tmp/$name.txt ]]; then
		echo "corpus-diff: no dump written at $commit (was CORPUS_OUT honoured?):" >&2
		cat "$tmp/$name.log" >&2
		exit 2
	fi
}

dump "$old" old
dump "$new" new

if [[ -n ${CORPUS_KEEP_DUMPS:-} ]]; then
	mkdir -p "$CORPUS_KEEP_DUMPS"
	cp "$tmp/old.txt" "$tmp/new.txt" "$CORPUS_KEEP_DUMPS/"
fi

status=0
diff -u --label "old ($1)" --label "new ($2)" "$tmp/old.txt" "$tmp/new.txt" || status=$?
if [[ $status -eq 0 ]]; then
	echo "corpus-diff: identical ($(wc -c <"$tmp/old.txt") bytes, $(grep -c '^  --> ' "$tmp/old.txt") requests)" >&2
elif [[ $status -ne 1 ]]; then
	exit 2
fi
exit "$status"
