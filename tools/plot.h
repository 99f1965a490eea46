/*
 * tools/plot.h - pictures of TCP connections (tools/plot.c): the
 * sender-state trace as CSV, written through a context's trace hook
 * (<utcp/conninfo.h>), and SVG graphs drawn by gnuplot from a capture and,
 * when there is one, that trace.
 *
 * Call order: trace_csv_header(f) -> utcp_ctx_set_trace(ctx,
 * trace_csv_line, &sink) per context -> run -> plot_capture(pcap, csv,
 * dir): per connection DIR/conn-N-tsg.svg (time-sequence graph) and
 * DIR/conn-N-state.svg (the sender's state over time).
 */
#ifndef UTCP_TOOLS_PLOT_H
#define UTCP_TOOLS_PLOT_H

#include <stddef.h>
#include <stdio.h>
#include <utcp/conninfo.h>

/* Most connections one capture is drawn for (the ones that carried the
 * most data). */
#define PLOT_MAX_CONNS 16

/* Where one context's trace lines go, and who it is ("A/0": host, core). */
struct trace_sink {
	FILE *f;
	char who[16];
};

/* The CSV's first line. */
void trace_csv_header(FILE *f);
/* A utcp_trace_fn: one CSV line on ((struct trace_sink *)arg)->f. */
void trace_csv_line(void *arg, utcp_time_t now, enum utcp_trace_event ev,
		    const struct utcp_conn_info *ci);

/* dir exists (made if missing, with its parents): 0, or -1 with err. */
int plot_dir(const char *dir, char *err, size_t errlen);
/* Draw every TCP connection of pcap (Ethernet, raw IPv4 or Linux cooked
 * capture; microsecond or nanosecond timestamps) into dir, with the
 * sender's state from trace (a trace_csv file) when it is not NULL.  The
 * SVG files written are named on log.  Returns how many connections were
 * drawn, or -1 with err. */
int plot_capture(const char *pcap, const char *trace, const char *dir, FILE *log, char *err,
		 size_t errlen);

#endif
