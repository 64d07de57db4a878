#!/bin/sh
# check-layout.sh PASS1 FINAL - the two links of the kernel must agree on
# every address but the symbol table's; a mismatch would make backtraces lie.
set -e
a=$(nm -n "$1" | grep -v -e __ksyms -e __kernel_end | md5sum)
b=$(nm -n "$2" | grep -v -e __ksyms -e __kernel_end | md5sum)
[ "$a" = "$b" ] || { echo "check-layout: symbol addresses moved between links" >&2; exit 1; }
