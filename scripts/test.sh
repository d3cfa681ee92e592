#!/usr/bin/env bash
# Runs every test: C unit tests (ASan/UBSan), API tests on SQLite and on a
# throwaway PostgreSQL, browser tests. Prints the totals last.
# Called by `make test` after the build; PostgreSQL comes from scripts/with-pg.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

if [ -z "${GONGHUI_TEST_PG:-}" ]; then
	exec scripts/with-pg.sh "$0" "$@"
fi
export GONGHUI_SHARED_DIR=${GONGHUI_SHARED_DIR:-$(cd .. && pwd)/shared}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
passed=0 failed=0 skipped=0 broken=""

count() { # FILE PATTERN → the sum of the numbers after PATTERN
	grep -aoE "$2 *[0-9]+" "$1" | grep -oE '[0-9]+$' | awk '{s+=$1} END {print s+0}'
}

echo "== unit tests (cmocka, ASan/UBSan)"
for t in build/test/unit/test_*; do
	[ -x "$t" ] || continue
	out="$log/$(basename "$t").out"
	if ! "$t" >"$out" 2>&1; then broken="$broken $(basename "$t")"; fi
	grep -aE '^\[ *(PASSED|FAILED|SKIPPED|  ERROR) *\]|skipped:' "$out" | sed "s|^|  $(basename "$t"): |"
	passed=$((passed + $(count "$out" '\[  PASSED  \]')))
	failed=$((failed + $(count "$out" '\[  FAILED  \]')))
	skipped=$((skipped + $(count "$out" '\[  SKIPPED \]')))
	if grep -qaE 'ERROR: (Address|Undefined|Leak)Sanitizer|runtime error' "$out"; then
		broken="$broken $(basename "$t")(sanitizer)"
		cat "$out"
	fi
	if [[ " $broken " == *" $(basename "$t") "* ]]; then
		cat "$out"
	fi
done

for suite in api e2e; do
	echo "== $suite tests (node --test)"
	out="$log/$suite.out"
	files=$(ls tests/$suite/*.test.mjs 2>/dev/null)
	[ -n "$files" ] || continue
	# shellcheck disable=SC2086
	node --test --test-concurrency=1 --test-reporter=spec $files >"$out" 2>&1
	rc=$?
	cat "$out"
	passed=$((passed + $(count "$out" 'ℹ pass')))
	failed=$((failed + $(count "$out" 'ℹ fail')))
	skipped=$((skipped + $(count "$out" 'ℹ skipped')))
	[ $rc -eq 0 ] || broken="$broken $suite"
done

echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ -n "$broken" ]; then
	echo "failing:$broken"
	exit 1
fi
