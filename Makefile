# Makefile for ucspitls. Plain make; ./configure writes config.mak.

-include config.mak
include package/targets.mak

prefix ?= /usr/local
bindir ?= $(prefix)/bin
mandir ?= $(prefix)/share/man
CC ?= cc
LDLIBS ?= -lbearssl -lskarnet

WARNINGS := -Wall -Wextra -Werror=implicit-function-declaration
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARNINGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_CPPFLAGS := -Isrc/ucspi $(CPPFLAGS_CONF) $(CPPFLAGS)
ALL_LDFLAGS := $(LDFLAGS_CONF) $(STATIC_LDFLAGS) $(LDFLAGS) $(EXTRA_LDFLAGS)

# src/prog: the programs' mains; src/ucspi: the UCSPI side (wrapper,
# control channel, facts, options, log); src/tls: the TLS layer, the only
# code that calls BearSSL; src/adapt: the STARTTLS adapters' core (relay,
# switch, server restart, facts filter); src/smtp: its SMTP module
UCSPI := src/ucspi/wrapper.o src/ucspi/ctl.o src/ucspi/facts.o src/ucspi/sni.o \
  src/ucspi/log.o src/ucspi/opts.o src/ucspi/ids.o \
  src/ucspi/peer.o
UCSPI += src/ucspi/version.o
TLS := src/tls/tls_run.o src/tls/tls_recin.o src/tls/tls_io.o src/tls/tls_close.o src/tls/tls_engine.o src/tls/tls_load.o src/tls/tls_x509.o \
  src/tls/tls_dn.o src/tls/tls_der.o \
  src/tls/tls_pem.o src/tls/tls_cert.o src/tls/tls_check.o src/tls/tls_pick.o src/tls/tls_key.o src/tls/tls_keyclient.o \
  src/tls/tls_hello.o
# src/tls/x509: the client's verification policies (PKIX, DANE, none)
X509 := src/tls/x509/tls_verify.o src/tls/x509/tls_dane.o src/tls/x509/tls_tlsa.o
TLS += $(X509)
TLS += src/tls/tls_alpn.o
COMMON := $(TLS) $(UCSPI)
SERVER := src/prog/ucspitlsd.o src/tls/tls_server.o
# ucspitlsd -p, -x: the PROXY protocol header and the rules by its address
PROXY := src/ucspi/proxy.o src/ucspi/proxy_read.o src/ucspi/proxy_env.o src/ucspi/proxy_rules.o
SERVER += $(PROXY)
CLIENT := src/prog/ucspitlsc.o src/tls/tls_client.o
# the client's session file, apart from the store: its buffers stay out
# of ucspitlsd, where they would sit between the variables that every
# connection writes
CLIENT += src/tls/session/tls_sfile.o
# src/tls/session: session resumption, the server's store and the client's file
SESSION := src/tls/session/tls_scache.o src/tls/session/tls_shello.o
SESSION += src/tls/session/tls_sslot.o
COMMON += $(SESSION)
# starttls-smtpd is an application of the interface: skalibs only, no TLS
ADAPT := src/adapt/adapt_options.o src/adapt/adapt_loop.o src/adapt/adapt_ctl.o src/adapt/adapt_proc.o src/adapt/adapt_facts.o src/adapt/adapt_iobuf.o
SMTPD := src/prog/starttls-smtpd.o src/smtp/smtp_client.o src/smtp/smtp_data.o src/smtp/smtp_server.o
SMTPD += src/smtp/smtp_proto.o
SMTPD += $(ADAPT) src/ucspi/version.o
POP3D := src/prog/starttls-pop3d.o src/pop3/pop3_client.o src/pop3/pop3_server.o src/pop3/pop3_proto.o
POP3D += $(ADAPT) src/ucspi/version.o
IMAPD := src/prog/starttls-imapd.o src/imap/imap_client.o src/imap/imap_server.o src/imap/imap_capa.o src/imap/imap_proto.o
IMAPD += $(ADAPT) src/ucspi/version.o

# config.mak has no rule of its own on purpose: make would run configure
# while reading this file, before `make check` has installed the libraries.
all: configured
	@$(MAKE) --no-print-directory programs

configured:
	@test -f config.mak || ./configure

programs: src/ucspitlsd src/ucspitlsc src/starttls-smtpd
programs: src/starttls-pop3d
programs: src/starttls-imapd

src/ucspitlsd: $(SERVER) $(COMMON)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(SERVER) $(COMMON) $(LDLIBS)

src/ucspitlsc: $(CLIENT) $(COMMON)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(CLIENT) $(COMMON) $(LDLIBS)

src/starttls-smtpd: $(SMTPD)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(SMTPD) -lskarnet

src/starttls-pop3d: $(POP3D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(POP3D) -lskarnet

src/starttls-imapd: $(IMAPD)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(IMAPD) -lskarnet

src/%.o: src/%.c $(wildcard config.mak)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# -V prints package/info's version
VERSION := $(shell sed -n 's/^version=//p' package/info)
src/ucspi/version.o: ALL_CPPFLAGS += -DUCSPITLS_VERSION='"$(VERSION)"'
src/ucspi/version.o: package/info

# explicit header dependencies
$(COMMON) $(SERVER) $(CLIENT) $(SMTPD): src/ucspi/ucspitls.h
$(TLS) src/tls/tls_server.o src/tls/tls_client.o: src/tls/tls-internal.h
$(SESSION) src/tls/session/tls_sfile.o src/tls/tls_server.o src/tls/tls_client.o src/tls/tls_check.o: src/tls/session/tls-session.h src/tls/tls-internal.h
$(X509) src/tls/tls_client.o src/tls/tls_check.o: src/tls/x509/x509-internal.h
$(SMTPD): src/smtp/smtp-internal.h src/adapt/adapt-internal.h
$(POP3D): src/pop3/pop3-internal.h src/adapt/adapt-internal.h
$(IMAPD): src/imap/imap-internal.h src/adapt/adapt-internal.h
$(PROXY) src/prog/ucspitlsd.o: src/ucspi/proxy.h

# make musl: the programs linked statically against musl, in
# $(MUSL_DIR)/bin; skalibs and BearSSL built with musl-gcc from Debian's
# source packages (or BearSSL from the source tree BEARSSL names) into
# $(MUSL_DIR)/prefix by package/musl-libs.  The objects are this
# Makefile's, compiled apart in $(MUSL_DIR)/obj.
MUSL_DIR ?= build/musl
MUSL_CC ?= musl-gcc
BEARSSL ?=
musl_o = $(patsubst src/%,$(MUSL_DIR)/obj/%,$(1))
MUSL_VERSION = $(shell cat $(MUSL_DIR)/prefix/bearssl.version 2>/dev/null)
MUSL_CPPFLAGS = -Isrc/ucspi -I$(MUSL_DIR)/prefix/include \
  $(if $(MUSL_VERSION),-DUCSPITLS_BEARSSL_VERSION='"$(MUSL_VERSION)"')
MUSL_LINK = $(MUSL_CC) $(ALL_CFLAGS) -static $(LDFLAGS) $(EXTRA_LDFLAGS) -L$(MUSL_DIR)/prefix/lib

musl:
	@sh package/install-deps build musl
	MUSL_CC=$(MUSL_CC) sh package/musl-libs $(MUSL_DIR) $(BEARSSL)
	@$(MAKE) --no-print-directory musl-programs

musl-programs: $(addprefix $(MUSL_DIR)/bin/,$(BIN_TARGETS))

$(MUSL_DIR)/bin/ucspitlsd: $(call musl_o,$(SERVER) $(COMMON))
	@mkdir -p $(@D)
	$(MUSL_LINK) -o $@ $^ -lbearssl -lskarnet

$(MUSL_DIR)/bin/ucspitlsc: $(call musl_o,$(CLIENT) $(COMMON))
	@mkdir -p $(@D)
	$(MUSL_LINK) -o $@ $^ -lbearssl -lskarnet

$(MUSL_DIR)/bin/starttls-smtpd: $(call musl_o,$(SMTPD))
	@mkdir -p $(@D)
	$(MUSL_LINK) -o $@ $^ -lskarnet

$(MUSL_DIR)/bin/starttls-pop3d: $(call musl_o,$(POP3D))
	@mkdir -p $(@D)
	$(MUSL_LINK) -o $@ $^ -lskarnet

$(MUSL_DIR)/bin/starttls-imapd: $(call musl_o,$(IMAPD))
	@mkdir -p $(@D)
	$(MUSL_LINK) -o $@ $^ -lskarnet

# rebuilt when the libraries are
$(MUSL_DIR)/obj/%.o: src/%.c $(MUSL_DIR)/prefix/skalibs.src $(MUSL_DIR)/prefix/bearssl.src
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(call musl_o,$(COMMON) $(SERVER) $(CLIENT) $(SMTPD)): src/ucspi/ucspitls.h
$(call musl_o,$(TLS) src/tls/tls_server.o src/tls/tls_client.o): src/tls/tls-internal.h
$(call musl_o,$(SMTPD)): src/smtp/smtp-internal.h src/adapt/adapt-internal.h
$(MUSL_DIR)/obj/ucspi/version.o: MUSL_CPPFLAGS += -DUCSPITLS_VERSION='"$(VERSION)"'
$(MUSL_DIR)/obj/ucspi/version.o: package/info
$(call musl_o,$(POP3D)): src/pop3/pop3-internal.h src/adapt/adapt-internal.h
$(call musl_o,$(IMAPD)): src/imap/imap-internal.h src/adapt/adapt-internal.h

# the suite against the musl build
check-musl: deps-test musl
	UCSPITLS_TEST_BINDIR=$(abspath $(MUSL_DIR))/bin tests/run $(TESTS)

install: all
	@$(MAKE) --no-print-directory install-files

# the same, with the programs stripped of their symbols and debugging
# information (GNU's install-strip); make install keeps them
install-strip: all
	@$(MAKE) --no-print-directory install-files INSTALL_STRIP=-s

install-files:
	mkdir -p $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1
	for p in $(BIN_TARGETS) ; do install -m 755 $(INSTALL_STRIP) src/$$p $(DESTDIR)$(bindir)/$$p || exit 1 ; done
	for m in $(MAN_TARGETS) ; do install -m 644 $$m $(DESTDIR)$(mandir)/man1/ || exit 1 ; done

deps-build:
	@sh package/install-deps build

deps-test:
	@sh package/install-deps build test

# make check: installs what the tests need, builds, runs the suite.
check: deps-test
	$(MAKE) all
	tests/run $(TESTS)

# the same suite with the long variants: 1000 randomized half-close runs,
# 2000 randomized session-event runs
check-long: deps-test
	$(MAKE) all
	HALFCLOSE_RUNS=1000 SESSION_RUNS=2000 UCSPITLS_TEST_TIMEOUT=900 tests/run $(TESTS)

# the same suite against an AddressSanitizer/UBSan build
check-asan: deps-test
	@$(MAKE) --no-print-directory clean >/dev/null
	$(MAKE) all STATIC_LDFLAGS= EXTRA_CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer' EXTRA_LDFLAGS='-fsanitize=address,undefined'
	@# the instrumented objects must not outlive the run, whatever its result
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tests/run $(TESTS) ; \
	  rc=$$? ; $(MAKE) --no-print-directory clean >/dev/null ; exit $$rc

# a set of the tests with ucspitlsd and ucspitlsc under valgrind's memcheck
check-valgrind: deps-test
	@sh package/install-deps valgrind
	@$(MAKE) --no-print-directory clean >/dev/null
	$(MAKE) all STATIC_LDFLAGS=
	tests/valgrind-run $(TESTS) ; rc=$$? ; $(MAKE) --no-print-directory clean >/dev/null ; exit $$rc

demo:
	@sh package/install-deps build demo
	$(MAKE) all
	src/demo/run-demo

deps-bench:
	@sh package/install-deps build bench musl

# make bench: installs the peers, builds (make, make musl; with BEARSSL,
# a musl and a glibc static build against that BearSSL too, in
# build/musl-bearssl and build/glibc-bearssl: make musl's way, with cc
# for the glibc one), measures (BENCH_QUICK=1 for a short run)
bench: deps-bench
	$(MAKE) all
	$(MAKE) musl BEARSSL=
	$(if $(BEARSSL),$(MAKE) musl MUSL_DIR=build/musl-bearssl BEARSSL=$(BEARSSL))
	$(if $(BEARSSL),$(MAKE) musl MUSL_DIR=build/glibc-bearssl MUSL_CC=$(CC) BEARSSL=$(BEARSSL))
	BENCH_MUSL=$(abspath $(MUSL_DIR))/bin $(if $(BEARSSL),BENCH_MUSL_BEARSSL=$(CURDIR)/build/musl-bearssl/bin \
	  BENCH_GLIBC_BEARSSL=$(CURDIR)/build/glibc-bearssl/bin BENCH_BEARSSL=$(BEARSSL)) tests/bench/run

# libFuzzer targets (tests/fuzz/fuzz-*.c, clang-14), each for FUZZTIME seconds
FUZZTIME ?= 60
fuzz: deps-test
	@sh package/install-deps fuzz
	tests/fuzz/run $(FUZZTIME)

# README's two first lines, as a newcomer runs them, on a fresh minimal
# Debian 12 (debootstrap) with a clean copy of the committed HEAD:
# tests/fresh/run says how
check-fresh:
	@sh package/install-deps fresh
	tests/fresh/run

# the same for the musl build: make musl, then make check-musl, from a
# clean copy of HEAD on a fresh minimal Debian 12
check-fresh-musl:
	@sh package/install-deps fresh
	UCSPITLS_FRESH_MUSL=1 tests/fresh/run
# README's test line on a fresh Debian 12 whose owner installed postfix
# first: it must leave postfix installed (the exim tests say skipped)
check-fresh-mta:
	@sh package/install-deps fresh
	UCSPITLS_FRESH_PREINSTALL=postfix tests/fresh/run

clean:
	rm -f src/tls/session/*.o
	rm -f src/*/*.o src/ucspitlsd src/ucspitlsc src/starttls-smtpd
	rm -f src/tls/x509/*.o
	rm -rf $(MUSL_DIR)/obj $(MUSL_DIR)/bin
	rm -f src/starttls-pop3d src/starttls-imapd

distclean: clean
	rm -f config.mak
	rm -rf build $(MUSL_DIR)

.PHONY: all configured programs install install-strip install-files check check-long check-asan check-valgrind check-fresh check-fresh-mta check-fresh-musl check-musl musl musl-programs bench fuzz demo clean distclean deps-build deps-test deps-bench
