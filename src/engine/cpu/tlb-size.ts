// Software TLB geometry, shared by the hart (hart.ts), its state layout (hart-state.ts) and the JIT.

/**
 * Entries per TLB set; sets are U, S, S with SUM, M. Translated code leaves for the interpreter
 * on every TLB miss, and the TLB is direct-mapped (entry = page number mod TLB_ENTRIES):
 * - 4096 rather than 1024: a 2-hart Debian boot left ~25% less often (460-510K exits ->
 *   345-380K);
 * - 16384 rather than 4096: user programs' pages are placed at random (ASLR), and with 4096 two
 *   hot pages of a process often shared an entry and evicted each other on every access: a
 *   100,000-iteration busybox ash loop in the guest left translated code 320K, 650K or 1.6M
 *   times depending on the boot (1.6M: 6.4 s instead of 5.4), with 16384 ~320K every time; the
 *   boot itself the same or a little better. Costs 4.4 MB of state per hart instead of 1.1.
 * A flush, and protecting a page for translated code, look only at the entries filled since
 * the previous flush (FILL_LOG_ENTRIES), so the bigger TLB costs no more there.
 */
export const TLB_ENTRIES = 16384;
export const TLB_SETS = 4;
export const TLB_ENTRIES_TOTAL = TLB_ENTRIES * TLB_SETS;

/** Fills remembered between flushes (hart.ts noteFilled); beyond that a flush clears everything. */
export const FILL_LOG_ENTRIES = 2048;
