# libFuzzer targets, built with ./configure --enable-fuzzing CC=clang.
# Run in CI:  make -j2 fuzz-smoke  (each target for FUZZ_SECONDS_<name> on a
# seed corpus; fuzz/smoke.sh writes fuzz/smoke-<name>.log/.trs, one test
# each). The code under test is compiled into each target, not linked from
# libpocore.la, so that it carries the fuzzer's coverage and the sanitizers.
FUZZ_SRCS = fuzz/fuzz_mp3.c fuzz/fuzz_csv.c fuzz/fuzz_gcal.c fuzz/fuzz_s3.c fuzz/fuzz_config.c \
	fuzz/fuzz_host.c fuzz/fuzz_host.h
EXTRA_DIST += $(FUZZ_SRCS) fuzz/seeds.sh fuzz/smoke.sh fuzz/lsan.supp fuzz/csv.dict fuzz/gcal.dict \
	fuzz/s3.dict fuzz/config.dict
if FUZZING
FUZZER_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -g -O1
FUZZER_LINK = -fsanitize=fuzzer,address,undefined
EXTRA_PROGRAMS += fuzz/fuzz_mp3 fuzz/fuzz_csv fuzz/fuzz_gcal fuzz/fuzz_s3 fuzz/fuzz_config

fuzz_fuzz_mp3_SOURCES = fuzz/fuzz_mp3.c core/mp3.c core/mp3_parse.c core/mp3_chain.c \
	core/mp3_store.c util/mp3_hdr.c
fuzz_fuzz_mp3_CFLAGS = $(FUZZER_CFLAGS) $(MPG123_CFLAGS)
fuzz_fuzz_mp3_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_mp3_LDADD = libpocore.la $(MPG123_LIBS) -lm

fuzz_fuzz_csv_SOURCES = fuzz/fuzz_csv.c fuzz/fuzz_host.c plugins/csv/csv_parse.c $(UTIL_SRCS)
fuzz_fuzz_csv_CFLAGS = $(FUZZER_CFLAGS)
fuzz_fuzz_csv_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_csv_LDADD = libpocore.la

fuzz_fuzz_gcal_SOURCES = fuzz/fuzz_gcal.c plugins/gcal/gcal_event.c plugins/gcal/gcal_json.c \
	$(UTIL_SRCS)
fuzz_fuzz_gcal_CFLAGS = $(FUZZER_CFLAGS) $(JSONC_CFLAGS)
fuzz_fuzz_gcal_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_gcal_LDADD = $(JSONC_LIBS) -lm

fuzz_fuzz_s3_SOURCES = fuzz/fuzz_s3.c plugins/s3/s3_list_xml.c $(UTIL_SRCS)
fuzz_fuzz_s3_CFLAGS = $(FUZZER_CFLAGS) $(LIBXML_CFLAGS)
fuzz_fuzz_s3_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_s3_LDADD = $(LIBXML_LIBS)

# config.c and diag.c built in; the loader and the rest from libpocore
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c fuzz/fuzz_host.c core/config.c core/diag.c
fuzz_fuzz_config_CFLAGS = $(FUZZER_CFLAGS)
fuzz_fuzz_config_LDFLAGS = $(FUZZER_LINK)
fuzz_fuzz_config_LDADD = libpocore.la

# Seconds per target in the smoke run: the MP3 scanner has the most code.
FUZZ_SECONDS_mp3 = 30
FUZZ_SECONDS_csv = 20
FUZZ_SECONDS_gcal = 20
FUZZ_SECONDS_s3 = 20
FUZZ_SECONDS_config = 20
FUZZ_SMOKE = sh $(srcdir)/fuzz/smoke.sh

fuzz-smoke: fuzz-smoke-mp3 fuzz-smoke-csv fuzz-smoke-gcal fuzz-smoke-s3 fuzz-smoke-config
fuzz-smoke-mp3: fuzz/fuzz_mp3
	rm -rf fuzz/seeds-mp3 && mkdir -p fuzz/seeds-mp3
	sh $(srcdir)/fuzz/seeds.sh fuzz/seeds-mp3
	$(FUZZ_SMOKE) mp3 $(FUZZ_SECONDS_mp3) 65536 fuzz/seeds-mp3
fuzz-smoke-csv: fuzz/fuzz_csv
	$(FUZZ_SMOKE) csv $(FUZZ_SECONDS_csv) 16384 $(srcdir)/tests/fixtures/csv
fuzz-smoke-gcal: fuzz/fuzz_gcal
	$(FUZZ_SMOKE) gcal $(FUZZ_SECONDS_gcal) 16384 $(srcdir)/tests/fixtures/gcal
fuzz-smoke-s3: fuzz/fuzz_s3
	$(FUZZ_SMOKE) s3 $(FUZZ_SECONDS_s3) 16384 $(srcdir)/tests/fixtures/s3
fuzz-smoke-config: fuzz/fuzz_config all
	$(FUZZ_SMOKE) config $(FUZZ_SECONDS_config) 16384 $(srcdir)/tests/fixtures/config \
		$(srcdir)/conf
endif
.PHONY: fuzz-smoke fuzz-smoke-mp3 fuzz-smoke-csv fuzz-smoke-gcal fuzz-smoke-s3 \
	fuzz-smoke-config

# the lossless MP3 gain (global_gain and CRC) on any bytes and any steps;
# seeded with the MP3 scanner's seeds (whole files: the run walks them)
EXTRA_DIST += fuzz/fuzz_mp3gain.c fuzz/seeds_mp3gain.sh
if FUZZING
EXTRA_PROGRAMS += fuzz/fuzz_mp3gain
fuzz_fuzz_mp3gain_SOURCES = fuzz/fuzz_mp3gain.c core/mp3gain.c util/mp3_hdr.c
fuzz_fuzz_mp3gain_CFLAGS = $(FUZZER_CFLAGS)
fuzz_fuzz_mp3gain_LDFLAGS = $(FUZZER_LINK)
FUZZ_SECONDS_mp3gain = 20
fuzz-smoke: fuzz-smoke-mp3gain
fuzz-smoke-mp3gain: fuzz/fuzz_mp3gain
	rm -rf fuzz/seeds-mp3gain && mkdir -p fuzz/seeds-mp3gain
	sh $(srcdir)/fuzz/seeds_mp3gain.sh fuzz/seeds-mp3gain
	$(FUZZ_SMOKE) mp3gain $(FUZZ_SECONDS_mp3gain) 16384 fuzz/seeds-mp3gain
endif
.PHONY: fuzz-smoke-mp3gain
