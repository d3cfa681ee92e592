# gonghui — see README.md. `make run` and `make test` install what is missing first.

CC      ?= cc
PKGS    := libmicrohttpd jansson sqlite3 libpq libcrypto libcurl icu-uc icu-i18n libzip expat xlsxwriter libqrencode
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN    := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE
CFLAGS  ?= -O2 -g
TESTCFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_CFLAGS  = $(WARN) $(CFLAGS) -Isrc -Ibuild/gen $(PKG_CFLAGS) -MMD -MP
TEST_CFLAGS = $(WARN) $(TESTCFLAGS) -Isrc -Ibuild/gen $(PKG_CFLAGS) -MMD -MP
# libharu ships no pkg-config file
LIBS    := $(PKG_LIBS) -lhpdf -lpthread -lm

SRC     := $(sort $(wildcard src/core/*.c src/platform/*.c src/modules/*.c))
LIBSRC  := $(SRC) build/gen/migrations.c
OBJ     := $(LIBSRC:%.c=build/rel/%.o)
TOBJ    := $(LIBSRC:%.c=build/test/%.o)
UNIT    := $(patsubst tests/unit/%.c,build/test/unit/%,$(wildcard tests/unit/test_*.c))
MIGRATIONS := $(sort $(wildcard migrations/[0-9]*.sql))
WEB_SRC := $(shell find web/portal web/admin web/common -type f -not -path '*/node_modules/*' 2>/dev/null)

.PHONY: all run test bench fuzz format clean setup web unit-build print-pkgs

all: build/gonghui web

setup:
	@scripts/setup.sh

build/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(@D)
	scripts/embed-migrations.sh migrations > $@.tmp && mv $@.tmp $@

build/rel/%.o: %.c | build/gen/migrations.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

build/test/%.o: %.c | build/gen/migrations.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

build/gonghui: build/rel/src/main.o $(OBJ)
	$(CC) $(CFLAGS) $^ -o $@ $(LIBS)

# The same program with ASan and UBSan, which the API and browser tests run.
build/test/gonghui: build/test/src/main.o $(TOBJ)
	$(CC) $(TESTCFLAGS) $^ -o $@ $(LIBS)

build/test/unit/%: tests/unit/%.c tests/unit/unit.h $(TOBJ)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/unit $< $(TOBJ) -o $@ $(LIBS) -lcmocka

unit-build: $(UNIT) build/test/gonghui

web: web/dist/portal/index.html web/dist/admin/index.html

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/portal/index.html: node_modules/.package-lock.json $(WEB_SRC)
	npx vite build --config web/portal/vite.config.js --logLevel warn

web/dist/admin/index.html: node_modules/.package-lock.json $(WEB_SRC)
	npx vite build --config web/admin/vite.config.js --logLevel warn

run: setup
	@$(MAKE) --no-print-directory all
	./build/gonghui migrate
	./build/gonghui seed --demo
	./build/gonghui serve --listen 127.0.0.1:8080

test: setup
	@$(MAKE) --no-print-directory unit-build web
	scripts/test.sh

bench:
	@scripts/setup.sh --bench
	@$(MAKE) --no-print-directory all
	scripts/bench.sh

print-pkgs:
	@echo $(PKGS)

fuzz:
	@scripts/setup.sh --fuzz
	scripts/fuzz.sh

format:
	clang-format -i $(SRC) $(wildcard src/*.c src/*/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c)

clean:
	rm -rf build web/dist

-include $(shell find build -name '*.d' 2>/dev/null)
