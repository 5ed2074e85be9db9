// The interface through which interrupt controllers (CLINT, PLIC) raise interrupts on a hart.
// Bit numbers are mip bit positions (Priv. spec 3.1.9, "Machine Interrupt Registers").

/** Supervisor software interrupt (SSIP). */
export const MIP_SSIP = 1;
/** Machine software interrupt (MSIP), driven by the CLINT's msip register. */
export const MIP_MSIP = 3;
/** Supervisor timer interrupt (STIP). */
export const MIP_STIP = 5;
/** Machine timer interrupt (MTIP), driven by the CLINT's mtime >= mtimecmp. */
export const MIP_MTIP = 7;
/** Supervisor external interrupt (SEIP), driven by the hart's PLIC S-mode context. */
export const MIP_SEIP = 9;
/** Machine external interrupt (MEIP), driven by the hart's PLIC M-mode context. */
export const MIP_MEIP = 11;

/** A hart as seen by an interrupt controller: it can only raise or lower one mip bit. */
export interface InterruptSink {
  /** Drive the level of the mip bit `bit`; called only when the level may have changed. */
  setInterruptPending(bit: number, level: boolean): void;
}
