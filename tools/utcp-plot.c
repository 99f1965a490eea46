/*
 * tools/utcp-plot.c - SVG graphs of every TCP connection of a capture:
 *
 *   utcp-plot [-t TRACE.csv] [-d DIR] FILE.pcap
 *
 * Per connection (the PLOT_MAX_CONNS that carried the most data), into DIR
 * (default: the current directory): conn-N-tsg.svg, the time-sequence
 * graph of its data direction, and conn-N-state.svg, the sender's state
 * over time (from TRACE, a sender-state trace such as utcp-sim --trace
 * writes, when given; else what the capture shows).  gnuplot draws them
 * (tools/plot.c).  Each picture written is named on stdout.  Exit 0, 1
 * when the capture cannot be read or gnuplot fails, 2 on bad usage.
 */
#include <getopt.h>
#include <stdio.h>

#include "tools/plot.h"

static int usage(void)
{
	fprintf(stderr, "usage: utcp-plot [-t TRACE.csv] [-d DIR] FILE.pcap\n"
			"  -t TRACE.csv  the sender's state from this trace (CSV, as utcp-sim writes)\n"
			"  -d DIR        write the SVG files (and their data) into DIR (default .)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *trace = NULL, *dir = ".";
	char err[512];
	int c;

	while ((c = getopt(argc, argv, "t:d:h")) != -1) {
		switch (c) {
		case 't': trace = optarg; break;
		case 'd': dir = optarg; break;
		default: return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	int n = plot_capture(argv[optind], trace, dir, stdout, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "utcp-plot: %s\n", err);
		return 1;
	}
	if (n == 0)
		printf("%s: no TCP connection\n", argv[optind]);
	return 0;
}
