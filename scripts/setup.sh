#!/bin/sh
# Installs what gonghui needs and is missing: Debian packages, then the web
# apps' npm packages. Quiet when nothing is missing. `--bench` adds nginx and
# wrk, `--fuzz` clang's fuzzer runtime.
set -eu
cd "$(dirname "$0")/.."

pkgs="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev
libssl-dev libcurl4-openssl-dev libicu-dev libzip-dev libexpat1-dev libxlsxwriter-dev libqrencode-dev libhpdf-dev libcmocka-dev postgresql postgresql-client chromium fonts-noto-cjk fonts-wqy-zenhei
poppler-utils nodejs npm"
for arg in "$@"; do
	case $arg in
	--bench) pkgs="$pkgs nginx wrk curl time" ;;
	--fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
	esac
done

missing=""
for p in $pkgs; do
	# node may come from elsewhere than Debian; a working one is enough
	case $p in nodejs | npm) command -v "$p" >/dev/null 2>&1 && continue ;; esac
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $p"
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "gonghui needs these packages; please run:"
		echo "  sudo apt-get install -y$missing"
		exit 1
	fi
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# npm packages, when the lock file is newer than what is installed
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json
fi
