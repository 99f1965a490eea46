/*
 * sim/replay_expect.c - what a replay showed (observations), the
 * expectation file it is checked against, and SHA-256 for stream digests.
 *
 * Call order: replay_obs_* while the run fills the observations ->
 * utcp_replay_expect_check(NAME.expect, side, impaired, obs).
 *
 * Expectation file (one per trace, NAME.expect beside NAME.pcap):
 *   # comment
 *   [replay client]            the trace's client is replayed, utcp serves
 *   app = close-unread         (optional) how utcp's application resets
 *   received_sha256 = 9c9b...  NAME OP VALUE, OP one of = != >= <= > <
 *   clean: utcp_retransmits = 0   only without impairments; also `time:`,
 *                              `react:` (pace), combinable: `clean time:`
 *   [replay server]
 *   ...
 * Numbers compare as numbers, strings only with = and !=.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay.h"

/* ---- observations ------------------------------------------------------ */

static int obs_slot(struct replay_obs *o, const char *name)
{
	int i = replay_obs_find(o, name);
	if (i >= 0)
		return i;
	if (o->n == REPLAY_MAX_OBS)
		return -1;
	i = o->n++;
	snprintf(o->v[i].name, sizeof(o->v[i].name), "%s", name);
	return i;
}

void replay_obs_num(struct replay_obs *o, const char *name, uint64_t v)
{
	int i = obs_slot(o, name);
	if (i >= 0) {
		o->v[i].num = v;
		o->v[i].str[0] = 0;
	}
}

void replay_obs_str(struct replay_obs *o, const char *name, const char *s)
{
	int i = obs_slot(o, name);
	if (i >= 0)
		snprintf(o->v[i].str, sizeof(o->v[i].str), "%s", s[0] ? s : "-");
}

void replay_obs_fail(struct replay_obs *o, const char *fmt, ...)
{
	va_list ap;
	if (o->failed)
		return; /* the first reason is the one to report */
	o->failed = 1;
	va_start(ap, fmt);
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
}

int replay_obs_find(const struct replay_obs *o, const char *name)
{
	for (int i = 0; i < o->n; i++)
		if (strcmp(o->v[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- expectation file ------------------------------------------------- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/* "[replay client]" -> REPLAY_CLIENT; -2 if not a section line, -1 if bad. */
static int section(const char *s)
{
	if (s[0] != '[')
		return -2;
	if (strcmp(s, "[replay client]") == 0)
		return REPLAY_CLIENT;
	if (strcmp(s, "[replay server]") == 0)
		return REPLAY_SERVER;
	return -1;
}

static const char *const ops[] = { "!=", ">=", "<=", "=", ">", "<" };

/* Split "NAME OP VALUE"; 0 or -1. */
static int split(char *s, char **name, int *op, char **value)
{
	char *p = s + strcspn(s, "=!<> \t");
	char *q = p;
	while (*q == ' ' || *q == '\t')
		q++;
	for (int i = 0; i < 6; i++) {
		size_t n = strlen(ops[i]);
		if (strncmp(q, ops[i], n) == 0) {
			*p = 0;
			*name = s;
			*op = i;
			*value = trim(q + n);
			return **name && **value ? 0 : -1;
		}
	}
	return -1;
}

static int compare(const struct replay_obs *o, const char *name, int op, const char *value,
		   FILE *f)
{
	int i = replay_obs_find(o, name);
	if (i < 0) {
		fprintf(f, "  expect %s: no such observation\n", name);
		return 1;
	}
	int ok;
	char have[80];
	if (o->v[i].str[0]) {
		int eq = strcmp(o->v[i].str, value) == 0;
		ok = op == 0 ? !eq : op == 3 ? eq : 0;
		snprintf(have, sizeof(have), "%s", o->v[i].str);
	} else {
		char *end;
		errno = 0;
		uint64_t want = strtoull(value, &end, 10);
		uint64_t v = o->v[i].num;
		if (*end || errno) {
			fprintf(f, "  expect %s %s %s: not a number\n", name, ops[op], value);
			return 1;
		}
		int r[6] = { v != want, v >= want, v <= want, v == want, v > want, v < want };
		ok = r[op];
		snprintf(have, sizeof(have), "%" PRIu64, v);
	}
	if (!ok)
		fprintf(f, "  expect %s %s %s: got %s\n", name, ops[op], value, have);
	return !ok;
}

/* "clean react: NAME ..." -> 1 if the line applies to this run, 0 if not,
 * -1 for an unknown qualifier; *s moves past the prefix. */
static int qualifiers(char **s, int impaired, int pace)
{
	char *colon = strchr(*s, ':');
	if (colon == NULL || strcspn(*s, "=!<>") < (size_t)(colon - *s))
		return 1;
	int applies = 1;
	for (char *w = *s; w < colon;) {
		size_t n = strcspn(w, " \t:");
		if (n == 5 && strncmp(w, "clean", 5) == 0)
			applies &= !impaired;
		else if (n == 4 && strncmp(w, "time", 4) == 0)
			applies &= pace == REPLAY_PACE_TIME;
		else if (n == 5 && strncmp(w, "react", 5) == 0)
			applies &= pace == REPLAY_PACE_REACT;
		else if (n > 0)
			return -1;
		w += n;
		while (w < colon && (*w == ' ' || *w == '\t'))
			w++;
	}
	*s = trim(colon + 1);
	return applies;
}

/* Walk the side's section; check lines (obs != NULL) or read app = ... */
static int walk(const char *path, int side, int impaired, int pace, const struct replay_obs *obs,
		FILE *out, int *close_unread, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int cur = -1, lineno = 0, seen = 0, failed = 0;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		char *s = trim(line), *name, *value;
		int op, clean = 0;
		if (*s == 0 || *s == '#')
			continue;
		int sec = section(s);
		if (sec == -1)
			goto bad;
		if (sec >= 0) {
			cur = sec;
			seen |= cur == side;
			continue;
		}
		int q = qualifiers(&s, impaired, pace);
		if (q < 0 || cur < 0 || split(s, &name, &op, &value) < 0)
			goto bad;
		if (cur != side)
			continue;
		clean = q == 0;
		if (strcmp(name, "app") == 0) {
			if (op != 3 || (strcmp(value, "close-unread") && strcmp(value, "abort")))
				goto bad;
			*close_unread = strcmp(value, "close-unread") == 0;
		} else if (obs != NULL && !clean) {
			failed += compare(obs, name, op, value, out);
		}
	}
	fclose(f);
	if (!seen) {
		snprintf(err, errlen, "%s: no [replay %s] section", path,
			 side == REPLAY_CLIENT ? "client" : "server");
		return -1;
	}
	return failed;
bad:
	fclose(f);
	snprintf(err, errlen, "%s:%d: expected [replay client|server], NAME OP VALUE "
		 "(OP: = != >= <= > <) or 'clean: NAME OP VALUE'", path, lineno);
	return -1;
}

int utcp_replay_expect_check(const char *path, int side, int impaired, int pace,
			     const struct replay_obs *obs, FILE *f, char *err, size_t errlen)
{
	int cu = 0;
	return walk(path, side, impaired, pace, obs, f, &cu, err, errlen);
}

int utcp_replay_expect_app(const char *path, int side, int *close_unread, char *err,
			   size_t errlen)
{
	*close_unread = 0;
	return walk(path, side, 0, 0, NULL, NULL, close_unread, err, errlen) < 0 ? -1 : 0;
}

/* ---- SHA-256 (FIPS 180-4 §6.2) ---------------------------------------- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(struct replay_sha256 *s, const uint8_t *p)
{
	uint32_t w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, s->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = ROR(v[4], 6) ^ ROR(v[4], 11) ^ ROR(v[4], 25);
		uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
		uint32_t t1 = v[7] + S1 + ch + K[i] + w[i];
		uint32_t S0 = ROR(v[0], 2) ^ ROR(v[0], 13) ^ ROR(v[0], 22);
		uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
		memmove(v + 1, v, 7 * sizeof(uint32_t));
		v[4] += t1;
		v[0] = t1 + S0 + maj;
	}
	for (int i = 0; i < 8; i++)
		s->h[i] += v[i];
}

void replay_sha256_init(struct replay_sha256 *s)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(s->h, h0, sizeof(h0));
	s->len = 0;
	s->nbuf = 0;
}

void replay_sha256_update(struct replay_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	s->len += len;
	while (len > 0) {
		size_t n = 64 - s->nbuf < len ? 64 - s->nbuf : len;
		memcpy(s->buf + s->nbuf, p, n);
		s->nbuf += (uint32_t)n;
		p += n;
		len -= n;
		if (s->nbuf == 64) {
			sha_block(s, s->buf);
			s->nbuf = 0;
		}
	}
}

void replay_sha256_hex(struct replay_sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
	for (int i = 0; i < 8; i++)
		pad[padlen + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
	replay_sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", s->h[i]);
}
