# libFuzzer targets, built with ./configure --enable-fuzzing CC=clang
# Run in CI:  make fuzz-smoke   (30 s on a seed corpus made by lame)
EXTRA_DIST += fuzz/fuzz_mp3.c fuzz/seeds.sh
if FUZZING
EXTRA_PROGRAMS += fuzz/fuzz_mp3
fuzz_fuzz_mp3_SOURCES = fuzz/fuzz_mp3.c
fuzz_fuzz_mp3_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined -g -O1
fuzz_fuzz_mp3_LDFLAGS = -fsanitize=fuzzer,address,undefined
fuzz_fuzz_mp3_LDADD = libpocore.la

fuzz-smoke: fuzz/fuzz_mp3
	rm -rf fuzz/corpus && mkdir -p fuzz/corpus
	sh $(srcdir)/fuzz/seeds.sh fuzz/corpus
	./fuzz/fuzz_mp3 -max_total_time=30 -max_len=65536 -timeout=10 fuzz/corpus
endif
.PHONY: fuzz-smoke
