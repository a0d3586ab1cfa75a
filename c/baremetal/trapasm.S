/* trapasm.S -- exception entry stubs and the fault-tolerant 32-bit probes.
 *
 * Every stub pushes the same frame (see struct trapframe in i386.h) and
 * calls trap(); trap() may rewrite the saved eip before returning.
 */

/* Stub for an exception without an error code: push a zero in its place. */
.macro TRAP_NOERR n
.globl trap_stub_\n
trap_stub_\n:
	pushl $0
	pushl $\n
	jmp trap_common
.endm

/* Stub for an exception whose error code the CPU pushed. */
.macro TRAP_ERR n
.globl trap_stub_\n
trap_stub_\n:
	pushl $\n
	jmp trap_common
.endm

.text
TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR   8
TRAP_NOERR 9
TRAP_ERR   10
TRAP_ERR   11
TRAP_ERR   12
TRAP_ERR   13
TRAP_ERR   14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR   17
TRAP_NOERR 18
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR   21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR   29
TRAP_ERR   30
TRAP_NOERR 31

/* Stubs in vector order, for trap_init(). */
.section .rodata
.align 4
.globl trap_stubs
trap_stubs:
.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
.long trap_stub_\n
.endr

.text
trap_common:
	pushal
	pushl %esp
	cld
	call trap
	addl $4, %esp
	popal
	addl $8, %esp /* vector and error code */
	iret

/* int probe_load32(uint32_t va, uint32_t *out): 0, or -1 if the load faults
 * (tlb.c's probe_read32 wraps it). */
.globl probe_load32
probe_load32:
	movl 4(%esp), %edx
.globl probe_read_insn
probe_read_insn:
	movl (%edx), %eax
	movl 8(%esp), %ecx
	movl %eax, (%ecx)
	xorl %eax, %eax
	ret

/* int probe_store32(uint32_t va, uint32_t v): 0, or -1 if the store faults
 * (tlb.c's probe_write32 wraps it). */
.globl probe_store32
probe_store32:
	movl 4(%esp), %edx
	movl 8(%esp), %eax
.globl probe_write_insn
probe_write_insn:
	movl %eax, (%edx)
	xorl %eax, %eax
	ret

/* Where trap() resumes a faulting probe: return -1 to its caller. */
.globl probe_fixup
probe_fixup:
	movl $-1, %eax
	ret

/* No executable stack. */
.section .note.GNU-stack, "", @progbits
