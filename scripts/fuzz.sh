#!/usr/bin/env bash
# Builds each fuzz/fuzz_*.c with libFuzzer, ASan and UBSan and runs it for
# FUZZ_SECONDS (default 30). Crashes land in build/fuzz/NAME/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
shared=${GONGHUI_SHARED_DIR:-../shared}
make --no-print-directory build/gen/migrations.c >/dev/null
pkgs=$(make -s --no-print-directory print-pkgs)
flags="-std=c17 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Isrc -Ibuild/gen $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lpthread -lm"
shopt -s nullglob
src=(src/core/*.c src/platform/*.c src/modules/*.c)
for f in fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	out=build/fuzz/$name
	mkdir -p "$out/corpus"
	if [ "$name" = fuzz_json_body ] && [ -d "$shared/testsuites/JSONTestSuite/test_parsing" ]; then
		cp -n "$shared"/testsuites/JSONTestSuite/test_parsing/*.json "$out/corpus/" 2>/dev/null || true
	fi
	if [ "$name" = fuzz_table_read ]; then
		cp -n tests/fixtures/* "$out/corpus/" 2>/dev/null || true
		[ -d "$shared/testsuites/csv-spectrum/csvs" ] && cp -n "$shared"/testsuites/csv-spectrum/csvs/*.csv "$out/corpus/" 2>/dev/null || true
	fi
	# shellcheck disable=SC2086
	clang $flags "$f" "${src[@]}" build/gen/migrations.c -o "$out/$name" $libs
	echo "== $name (${secs}s)"
	(cd "$out" && "./$name" -max_total_time="$secs" -print_final_stats=0 corpus 2>&1 | tail -n 3)
done
