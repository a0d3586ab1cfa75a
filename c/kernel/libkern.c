/* libkern.c -- MemoryType <-> MemoryState (upstream libkern/src/lib.rs). */
#include "libkern.h"
#include "mach.h"

static const char *const type_names[MEMORY_TYPE_COUNT] = {
	"Unmapped", "Io", "Normal", "CodeStatic", "CodeMutable", "Heap",
	"SharedMemory", "Alias", "ModuleCodeStatic", "ModuleCodeMutable", "Ipc",
	"Stack", "ThreadLocal", "TransferMemoryIsolated", "TransferMemory",
	"ProcessMemory", "Reserved", "NonSecureIpc", "NonDeviceIpc", "KernelStack",
	"CodeReadOnly", "CodeWritable",
};

/* Raw state of each type, before from_bits_truncate. */
static const uint32_t type_states[MEMORY_TYPE_COUNT] = {
	0x00000000, 0x00002001, 0x00042002, 0x00DC7E03, 0x03FEBD04, 0x037EBD05,
	0x00402006, 0x00482907, 0x00DD7E08, 0x03FFBD09, 0x005C3C0A, 0x005C3C0B,
	0x0040200C, 0x015C3C0D, 0x005C380E, 0x0040380F, 0x00000010, 0x005C3811,
	0x004C2812, 0x00002013, 0x00402214, 0x00402015,
};

/* MemoryState::ty */
memory_type memory_state_ty(memory_state state)
{
	uint32_t t = state & MEMORY_STATE_TY;
	return t < MEMORY_TYPE_COUNT ? (memory_type)t : MEMORY_TYPE_RESERVED;
}

/* MemoryType::get_memory_state */
memory_state memory_type_get_memory_state(memory_type ty)
{
	if ((unsigned)ty >= MEMORY_TYPE_COUNT)
		mach_panic("memory_type_get_memory_state: not a MemoryType");
	return memory_state_from_bits_truncate(type_states[ty]);
}

/* Debug name of a MemoryType. */
const char *memory_type_name(memory_type ty)
{
	return (unsigned)ty < MEMORY_TYPE_COUNT ? type_names[ty] : "?";
}
