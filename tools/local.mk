# tools/: programs built on the library.
bin_PROGRAMS += tools/utcp-sim
tools_utcp_sim_SOURCES = tools/utcp-sim.c tools/sim_common.h tools/sim_common.c \
	tools/sim_ping.c tools/sim_tcp.c tools/sim_tcp.h tools/sim_attack.c tools/sim_timed.c \
	tools/sim_reboot.c tools/sim_idle.c tools/plot.h tools/plot.c tools/progress.h tools/progress.c
tools_utcp_sim_LDADD = libutcp.la -lm

# epserver and epwget.  The application code (tools/*_app.c, tools/http.c) is
# shared with utcp-sim's http scenario; tools/apprun.c runs it on real
# backends, one thread per core.
APPS_CORE = tools/apps.h tools/http.c tools/epserver_app.c tools/epwget_app.c
APPS_RUN = tools/apprun.h tools/apprun.c

bin_PROGRAMS += tools/epserver tools/epwget
tools_epserver_SOURCES = tools/epserver.c $(APPS_CORE) $(APPS_RUN)
tools_epserver_LDADD = libutcp.la
tools_epwget_SOURCES = tools/epwget.c $(APPS_CORE) $(APPS_RUN)
tools_epwget_LDADD = libutcp.la

# utcp-sim's http scenario runs the same application code.
tools_utcp_sim_SOURCES += tools/sim_http.c $(APPS_CORE)
# ... and its udp scenario, datagram sockets.
tools_utcp_sim_SOURCES += tools/sim_udp.c

# utcp-replay: replay a recorded side of a TCP connection into utcp (sim/replay*).
bin_PROGRAMS += tools/utcp-replay
tools_utcp_replay_SOURCES = tools/utcp-replay.c tools/plot.h tools/plot.c
tools_utcp_replay_LDADD = libutcp.la

# utcp-nc: one TCP connection, or UDP (-u), over any backend (development against the kernel).
bin_PROGRAMS += tools/utcp-nc
tools_utcp_nc_SOURCES = tools/utcp-nc.c tools/nc.h tools/nc_common.c tools/nc_udp.c
tools_utcp_nc_LDADD = libutcp.la

# utcp-taprate: the raw frame rate of a TAP device through the backend, to
# set beside TCP over the same device (tests/bench/tap_rate.sh, `make bench-tap`).
bin_PROGRAMS += tools/utcp-taprate
tools_utcp_taprate_SOURCES = tools/utcp-taprate.c
tools_utcp_taprate_LDADD = libutcp.la -lpthread

include $(top_srcdir)/tools/bench/local.mk

# utcp-ss: a running program's connections (its control socket, setup/ctl.c).
bin_PROGRAMS += tools/utcp-ss
tools_utcp_ss_SOURCES = tools/utcp-ss.c

# utcp-plot: SVG graphs of every TCP connection of a capture (tools/plot.c, gnuplot).
bin_PROGRAMS += tools/utcp-plot
tools_utcp_plot_SOURCES = tools/utcp-plot.c tools/plot.h tools/plot.c
tools_utcp_plot_LDADD = libutcp.la

# utcp-progress: the progress line of `make check-long` (tools/progress.c).
noinst_PROGRAMS += tools/utcp-progress
tools_utcp_progress_SOURCES = tools/utcp-progress.c tools/progress.h tools/progress.c
tools_utcp_progress_LDADD = libutcp.la
