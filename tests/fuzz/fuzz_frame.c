/*
 * tests/fuzz/fuzz_frame.c - fuzz target: frames into a stack that holds a
 * listener and established connections.
 *
 * Each input is a program of operations (tests/fuzz/fuzzhost.c: raw frames,
 * raw TCP, segments on the host's connections, clock steps, application
 * calls).  A crash, a sanitizer report, or anything left behind after the
 * sockets are closed and every timer has run out is a failure.
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzzhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fh_up();
	fh_run(data, size);
	fh_down();
	return 0;
}
