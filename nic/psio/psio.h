/*
 * nic/psio/psio.h - the PSIO backend (nic/psio/psio.c).
 *
 * `io = psio` drives the PacketShader I/O engine (io_engine: the ps_ixgbe
 * driver for Intel 82599 NICs and its user library libps), the original mTCP
 * driver.  configure --with-psio=DIR checks DIR/include/ps.h and defines
 * HAVE_PSIO; nic/psio/psio.c is then compiled with -DUTCP_PSIO_BACKEND and the
 * registry lists it as built.  Without it, make check still compiles psio.c
 * against the fake engine in tests/psio-fake.  How include/utcp/nic.h maps
 * onto PSIO (the design the code follows):
 *
 * open(cfg, port, nb_queues)
 *   ps_list_devices() finds the device named cfg->psio_dev or port->name
 *   ("xge0"); its ps_device gives the MAC and the number of rx queues.
 *   One ps_handle per queue: ps_init_handle(), ps_attach_rx_device() with
 *   {ifindex, qidx = q}, ps_alloc_chunk() for an rx chunk and a tx chunk.
 *   One utcp_pkt_pool per queue (PSIO buffers are not handed out: frames are
 *   copied between its chunks and utcp buffers).
 *   caps: rss = UTCP_RSS_TOEPLITZ with the symmetric key the engine programs
 *   into the 82599, mtu 1500, no checksum offloads.
 *
 * rx_burst(q, pkts, n)
 *   chunk.cnt = n; ps_recv_chunk(handle, &chunk) returns the frames received;
 *   frame i is chunk.buf + chunk.info[i].offset, chunk.info[i].len bytes, and
 *   is copied into a buffer from the queue's pool (none left: counted in
 *   rx_missed).
 *
 * tx_burst(q, pkts, n)
 *   Copy each frame into the tx chunk (info[i].offset / len), chunk.cnt = n,
 *   ps_send_chunk(handle, &chunk) returns how many the engine took; those
 *   utcp buffers are freed at once (the data is in the chunk), the rest stay
 *   the caller's.
 *
 * wait(q, deadline)
 *   ps_select(handle, &event) on the queue with the deadline as its timeout,
 *   as mTCP's psio_module does when a core has nothing to do.
 *
 * now = utcp_nic_monotonic_now; stats from the per-queue counters;
 * close = ps_free_chunk + ps_close_handle, then the pools.
 */
#ifndef UTCP_NIC_PSIO_H
#define UTCP_NIC_PSIO_H

#include <utcp/nic.h>

/* Its utcp.conf keys: psio_dev (nic/psio/keys.c, built with or without
 * the engine so that any build reads a PSIO machine's config). */
#define UTCP_PSIO_NB_KEYS 1
extern const struct utcp_config_key utcp_psio_keys[UTCP_PSIO_NB_KEYS];

struct utcp_nic *utcp_psio_open(const struct utcp_config *cfg, const struct utcp_port_config *port,
				uint16_t nb_queues, char *err, size_t errlen);

#endif
