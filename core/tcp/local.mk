# core/tcp: TCP (RFC 9293).
libutcp_la_SOURCES += \
	core/tcp/tcp.h \
	core/tcp/tcp_ctx.c \
	core/tcp/tcp_flow.c \
	core/tcp/tcp_addr6.c \
	core/tcp/tcp_port.c \
	core/tcp/tcp_isn.c \
	core/tcp/tcp_tcb.c \
	core/tcp/tcp_timewait.c \
	core/tcp/tcp_buf.c \
	core/tcp/tcp_zc.c \
	core/tcp/tcp_sndmem.c \
	core/tcp/tcp_ooo.c \
	core/tcp/tcp_cc.h \
	core/tcp/tcp_cc.c \
	core/tcp/cc_hystart.c \
	core/tcp/cc_newreno.c \
	core/tcp/cc_cubic.c \
	core/tcp/tcp_sack.c \
	core/tcp/tcp_conn.c \
	core/tcp/tcp_fastopen.c \
	core/tcp/tcp_input.c \
	core/tcp/tcp_recovery.c \
	core/tcp/tcp_output.c \
	core/tcp/tcp_timer.c \
	core/tcp/tcp_check.c \
	core/tcp/tcp_syncookie.c \
	core/tcp/tcp_rack.c \
	core/tcp/tcp_undo.c \
	core/tcp/tcp_icmp.c \
	core/tcp/tcp_ecn.c \
	core/tcp/tcp_pacing.c
