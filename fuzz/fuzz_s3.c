/*
 * libFuzzer target for the s3 plugin's listing parser
 * (plugins/s3/s3_list_xml.c): any bytes as a ListObjectsV2 answer, parsed
 * as a page of the prefix "prerecs/" and again of "prerecs/20260329".
 * Must never crash, leak, hang or trip UBSan, and every asset it gives must
 * be a name the cache can take.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../plugins/s3/s3_list_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void fuzz_warn(void *arg, const char *key, const char *why)
{
	(void)key;
	if (!why || !*why)
		__builtin_trap();
	++*(int *)arg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}

static void one_page(const uint8_t *data, size_t size, const char *prefix)
{
	int warned = 0;
	const struct s3_list_src src = {
		.bucket = "station", .prefix = "prerecs/", .warn = fuzz_warn, .arg = &warned,
	};
	struct playout_assets out = { 0 };
	struct playout_error err = { 0 };
	char *token = NULL;

	if (s3_list_parse_page(&src, (const char *)data, size, prefix, &out, &token, &err) ==
	    PLAYOUT_OK) {
		for (size_t i = 0; i < out.n; i++) {
			const struct playout_asset *a = &out.v[i];
			const char *why = memchr(a->name, '\0', sizeof a->name) ? s3_name_problem(a->name)
										: "unterminated";
			if (!why || *why || a->size < 0 || !memchr(a->etag, '\0', sizeof a->etag))
				__builtin_trap();
		}
		if (token && !*token)
			__builtin_trap();
	} else if (token || !err.msg[0]) {
		__builtin_trap();
	}
	free(token);
	free(out.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_page(data, size, "prerecs/");
	one_page(data, size, "prerecs/20260329");
	return 0;
}
