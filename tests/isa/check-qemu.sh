#!/bin/sh
# Runs every tests/isa/build/*.elf under QEMU (the oracle) and prints pass/fail.
# Tests listed in qemu-skip.txt (first word of a line = test name) are reported
# as skipped, because QEMU 7.2 lacks the feature they test.
# Usage: tests/isa/check-qemu.sh [name-filter]      (builds first)
cd "$(dirname "$0")" || exit 1
make -s || exit 1
QEMU=${QEMU:-qemu-system-riscv64}
pass=0; fail=0; skip=0; failed=""
for elf in build/*.elf; do
  name=$(basename "$elf" .elf)
  case "$name" in *"$1"*) ;; *) continue ;; esac
  if grep -q "^$name[[:space:]]" qemu-skip.txt 2>/dev/null; then
    echo "SKIP $name ($(grep "^$name[[:space:]]" qemu-skip.txt | sed 's/^[^[:space:]]*[[:space:]]*//'))"
    skip=$((skip + 1)); continue
  fi
  timeout 10 "$QEMU" -M virt -bios none -nographic -monitor none -serial null -kernel "$elf" </dev/null >/dev/null 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    echo "PASS $name"; pass=$((pass + 1))
  else
    if [ $rc -eq 124 ]; then why="timeout"; else why="failed case $rc"; fi
    echo "FAIL $name ($why)"; fail=$((fail + 1)); failed="$failed $name"
  fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
