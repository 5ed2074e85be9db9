# Start-up code for the bare-metal benchmark workloads. Entered in M-mode at 0x80000000 (a0 = hart id,
# a1 = device tree, both ignored): sets gp and sp, installs a trap handler that reports and fails,
# enables the FPU, clears .bss, then calls main and exits through the test finisher with its result.

  .section .text.init, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top

  la t0, trap_entry
  csrw mtvec, t0

  # mstatus.FS = Initial, so floating-point instructions are legal; round to nearest, flags clear.
  li t0, (1 << 13)
  csrs mstatus, t0
  csrw fcsr, zero

  la t0, __bss_start
  la t1, __bss_end
1:
  bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:
  call main
  # main's return value: 0 = pass, anything else = fail.
  seqz a0, a0
  call bench_exit
3:
  j 3b

  .align 4
trap_entry:
  la sp, __stack_top
  csrr a0, mcause
  csrr a1, mepc
  csrr a2, mtval
  call bench_trap
4:
  j 4b
