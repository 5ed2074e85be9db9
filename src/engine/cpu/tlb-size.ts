// Software TLB geometry, shared by the hart (hart.ts), its state layout (hart-state.ts) and the JIT.

/**
 * Entries per TLB set; sets are U, S, S with SUM, M. 4096 rather than 1024: translated code
 * leaves for the interpreter on every TLB miss, and a 2-hart Debian boot left ~25% less often
 * (460-510K exits -> 345-380K). A flush clears only the entries filled since the previous one
 * (FILL_LOG_ENTRIES), so the bigger TLB costs no more to flush.
 */
export const TLB_ENTRIES = 4096;
export const TLB_SETS = 4;
export const TLB_ENTRIES_TOTAL = TLB_ENTRIES * TLB_SETS;

/** Fills remembered between flushes (hart.ts noteFilled); beyond that a flush clears everything. */
export const FILL_LOG_ENTRIES = 2048;
