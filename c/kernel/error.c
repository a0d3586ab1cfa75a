/* error.c -- KernelError names (upstream kernel/src/error.rs). */
#include "error.h"

/* Upstream variant name of `kind`. */
const char *kernel_error_name(kernel_error_kind kind)
{
	switch (kind) {
	case KERR_NONE: return "Ok";
	case KERR_PHYSICAL_MEMORY_EXHAUSTION: return "PhysicalMemoryExhaustion";
	case KERR_VIRTUAL_MEMORY_EXHAUSTION: return "VirtualMemoryExhaustion";
	case KERR_INVALID_ADDRESS: return "InvalidAddress";
	case KERR_INVALID_SIZE: return "InvalidSize";
	case KERR_WRONG_MAPPING_FRAMES_FOR_TY: return "WrongMappingFramesForTy";
	case KERR_INVALID_MEM_STATE: return "InvalidMemState";
	}
	return "?";
}
