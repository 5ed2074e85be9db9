// Software TLB geometry, shared by the hart (hart.ts), its state layout (hart-state.ts) and the JIT.

/** Entries per TLB set; sets are U, S, S with SUM, M. */
export const TLB_ENTRIES = 1024;
export const TLB_SETS = 4;
export const TLB_ENTRIES_TOTAL = TLB_ENTRIES * TLB_SETS;
