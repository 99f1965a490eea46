# traces/: real TCP conversations between two Linux kernels (pcap), a sidecar NAME.md for
# each saying how it was recorded and what it holds, manifest.txt (one line per trace), the
# tools that record them (record.sh, tools/) and check them, and a `make check` test that
# manifest.txt matches the pcaps.  Replay tests can iterate over UTCP_TRACES.
UTCP_TRACES = \
	traces/http-get.pcap \
	traces/bulk-upload.pcap \
	traces/bulk-download.pcap \
	traces/client-close-first.pcap \
	traces/server-close-first.pcap \
	traces/half-close.pcap \
	traces/refused.pcap \
	traces/reset-mid-transfer.pcap \
	traces/close-with-unread-data.pcap \
	traces/zero-window.pcap \
	traces/retrans-upload.pcap \
	traces/retrans-download.pcap \
	traces/no-ts-no-sack.pcap \
	traces/no-wscale.pcap \
	traces/small-writes.pcap \
	traces/simultaneous-close.pcap \
	traces/syn-retransmit.pcap

EXTRA_DIST += traces/README.md traces/manifest.txt traces/record.sh traces/check-traces.sh \
	traces/tools/tcpapp.py traces/tools/relay.py traces/tools/tracecheck.py \
	$(UTCP_TRACES) $(UTCP_TRACES:.pcap=.md)

TESTS += traces/check-traces.sh
