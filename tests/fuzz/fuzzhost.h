/*
 * tests/fuzz/fuzzhost.h - the stack under fuzzing: one host on the in-memory
 * test NIC (tests/unit/testnic.h) holding a listener, an accepted and an
 * actively opened connection, driven by a byte string read as operations.
 *
 * Call order (one fuzz input):
 *   fh_up()                       host up, listener on 80, two connections
 *   fh_run(data, size)            operations until the input runs out
 *     or fh_frame(frame, len)     one whole Ethernet frame, then a poll round
 *   fh_down()                     close everything, run every timer out, and
 *                                 abort() with a message if a socket, TCB,
 *                                 buffer or packet was left behind, or if
 *                                 the stack counted an illegal transition.
 *
 * The scripted peer of tests/unit/tcptest.c plays 10.0.0.2; the host is
 * 10.0.0.1.  Everything is deterministic: the same input gives the same run.
 */
#ifndef UTCP_TESTS_FUZZHOST_H
#define UTCP_TESTS_FUZZHOST_H

#include <stddef.h>
#include <stdint.h>

/* A reader over the fuzz input: past the end every read gives zeros. */
struct fz {
	const uint8_t *p;
	size_t n;
};

uint8_t fz_u8(struct fz *f);
uint16_t fz_u16(struct fz *f);
uint32_t fz_u32(struct fz *f);
/* Up to want bytes into out (the rest zeroed); returns want. */
size_t fz_bytes(struct fz *f, uint8_t *out, size_t want);

void fh_up(void);
void fh_run(const uint8_t *data, size_t size);
/* Inject one frame (truncated to the NIC's buffer), poll, drain the output. */
void fh_frame(const uint8_t *frame, size_t len);
/* Advance the host's clock by dt nanoseconds and poll. */
void fh_advance(uint64_t dt);
void fh_down(void);

#endif
