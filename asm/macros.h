/* macros.h - shared assembler macros for the heap's .S files (preprocessed GNU as, AT&T).
 * ENTRY/END frame every exported function with CFI; HIDDEN_ENTRY for file-private helpers
 * shared across files; L() names local labels; PUSH_CFI/POP_CFI keep the unwinder in step. */
#ifndef GW_MACROS_H
#define GW_MACROS_H

#define L(name) .L##name

#define ENTRY(name)            \
	.text;                 \
	.globl name;           \
	.type name, @function; \
	.p2align 4;            \
name:                          \
	.cfi_startproc

#define HIDDEN_ENTRY(name) \
	.hidden name;      \
	ENTRY(name)

#define END(name)      \
	.cfi_endproc;  \
	.size name, .- name

#define PUSH_CFI(reg)                  \
	pushq reg;                     \
	.cfi_adjust_cfa_offset 8;      \
	.cfi_rel_offset reg, 0

#define POP_CFI(reg)                   \
	popq reg;                      \
	.cfi_adjust_cfa_offset -8;     \
	.cfi_restore reg

/* rsp adjustments that the unwinder must know about */
#define SUB_RSP(n)                     \
	subq $(n), %rsp;               \
	.cfi_adjust_cfa_offset (n)
#define ADD_RSP(n)                     \
	addq $(n), %rsp;               \
	.cfi_adjust_cfa_offset -(n)

/* Every .S ends with this: the heap needs no executable stack. */
#define NO_EXEC_STACK .section .note.GNU-stack, "", @progbits

#endif
