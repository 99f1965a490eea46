/*
 * nic/mw/mw.h - the middleware's utcp.conf keys, listed by the registry.
 *
 * pcap.c: pcap (capture file, "" = off), pcap_snaplen.
 * fault.c: fault_loss, fault_burst_loss, fault_burst_len, fault_reorder,
 *   fault_dup, fault_corrupt, fault_delay_us, fault_jitter_us, fault_seed;
 *   setting any of them turns fault injection on (cfg->fault_enabled).
 */
#ifndef UTCP_NIC_MW_H
#define UTCP_NIC_MW_H

#include <utcp/nic.h>

#define UTCP_PCAP_NB_KEYS 2
extern const struct utcp_config_key utcp_pcap_keys[UTCP_PCAP_NB_KEYS];

#define UTCP_FAULT_NB_KEYS 9
extern const struct utcp_config_key utcp_fault_keys[UTCP_FAULT_NB_KEYS];

#endif
