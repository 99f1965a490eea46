/*
 * tools/utcp-progress.c - the progress line (tools/progress.c) for a script
 * that runs utcp-sim sweeps in parallel (make check-long):
 *
 *   ... | utcp-progress TOTAL
 *
 * Reads utcp-sim's verdict lines on stdin; each per-seed verdict
 * ("PASS|FAIL SCENARIO seed=N ...") is one of TOTAL units.  Passes every
 * other line, and the failing verdicts, on to stdout as it comes.  The
 * progress line goes to stderr when it is a terminal (UTCP_PROGRESS as in
 * tools/progress.h).  Exit 0, 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "core/base/args.h"
#include "tools/progress.h"

int main(int argc, char **argv)
{
	struct progress pr;
	char line[4096];
	uint64_t total, done = 0;

	if (argc != 2 || utcp_parse_u64(argv[1], 10, 1, UINT64_MAX, &total) != 0) {
		fprintf(stderr, "usage: utcp-progress TOTAL   (utcp-sim verdict lines on stdin)\n");
		return 2;
	}
	progress_start(&pr, "seeds", total);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		int verdict = strstr(line, " seed=") != NULL &&
			      (strncmp(line, "PASS ", 5) == 0 || strncmp(line, "FAIL ", 5) == 0);
		if (verdict)
			progress_step(&pr, ++done);
		if (verdict && line[0] == 'P')
			continue;
		progress_clear(&pr);
		fputs(line, stdout);
		fflush(stdout);
	}
	progress_end(&pr);
	return 0;
}
