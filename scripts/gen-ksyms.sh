#!/bin/sh
# gen-ksyms.sh - turn `nm -n` output on stdin into an assembly file for the
# kernel's .ksyms section: a u64 count, then {u64 addr, u64 name offset}
# pairs sorted by address, then the NUL-terminated names.
# Used by the Makefile's second link; kernel/ksyms.c reads the table.
awk 'BEGIN { n = 0 }
$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff/ { addr[n] = $1; name[n] = $3; n++ }
END {
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	printf "\t.quad %d\n", n
	off = 0
	for (i = 0; i < n; i++) {
		printf "\t.quad 0x%s, %d\n", addr[i], off
		off += length(name[i]) + 1
	}
	for (i = 0; i < n; i++)
		printf "\t.asciz \"%s\"\n", name[i]
}'
