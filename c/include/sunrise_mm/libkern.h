/* sunrise_mm/libkern.h -- upstream libkern/src/lib.rs (the memory types).
 *
 *   memory_type (enum)                     MemoryType (same discriminants)
 *   memory_state (u32 flags)               MemoryState
 *   memory_permissions (u32 flags)         MemoryPermissions
 *   memory_attributes (u32 flags)          MemoryAttributes
 *   memory_state_from_bits_truncate        MemoryState::from_bits_truncate
 *   memory_permissions_from_bits_truncate  MemoryPermissions::from_bits_truncate
 *   memory_state_ty                        MemoryState::ty
 *   memory_type_get_memory_state           MemoryType::get_memory_state
 *   memory_type_name                       <MemoryType as Debug>::fmt
 */
/* Plain values: nothing here allocates or keeps state. */
#ifndef SR_LIBKERN_H
#define SR_LIBKERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum memory_type {
	MEMORY_TYPE_UNMAPPED = 0x00,
	MEMORY_TYPE_IO = 0x01,
	MEMORY_TYPE_NORMAL = 0x02,
	MEMORY_TYPE_CODE_STATIC = 0x03,
	MEMORY_TYPE_CODE_MUTABLE = 0x04,
	MEMORY_TYPE_HEAP = 0x05,
	MEMORY_TYPE_SHARED_MEMORY = 0x06,
	MEMORY_TYPE_ALIAS = 0x07,
	MEMORY_TYPE_MODULE_CODE_STATIC = 0x08,
	MEMORY_TYPE_MODULE_CODE_MUTABLE = 0x09,
	MEMORY_TYPE_IPC = 0x0a,
	MEMORY_TYPE_STACK = 0x0b,
	MEMORY_TYPE_THREAD_LOCAL = 0x0c,
	MEMORY_TYPE_TRANSFER_MEMORY_ISOLATED = 0x0d,
	MEMORY_TYPE_TRANSFER_MEMORY = 0x0e,
	MEMORY_TYPE_PROCESS_MEMORY = 0x0f,
	MEMORY_TYPE_RESERVED = 0x10,
	MEMORY_TYPE_NON_SECURE_IPC = 0x11,
	MEMORY_TYPE_NON_DEVICE_IPC = 0x12,
	MEMORY_TYPE_KERNEL_STACK = 0x13,
	MEMORY_TYPE_CODE_READ_ONLY = 0x14,
	MEMORY_TYPE_CODE_WRITABLE = 0x15,
} memory_type;
#define MEMORY_TYPE_COUNT 0x16

/* MemoryState bitflags (u32). */
typedef uint32_t memory_state;
#define MEMORY_STATE_TY 0xffu
#define MEMORY_STATE_IS_REFERENCE_COUNTED (1u << 22)
/* Every declared flag: bit 13 is not declared. */
#define MEMORY_STATE_ALL 0x03ffdfffu

/* MemoryPermissions bitflags (u32). */
typedef uint32_t memory_permissions;
#define MEMORY_PERMISSIONS_READABLE 1u
#define MEMORY_PERMISSIONS_WRITABLE 2u
#define MEMORY_PERMISSIONS_EXECUTABLE 4u
#define MEMORY_PERMISSIONS_ALL 7u

/* MemoryAttributes bitflags (u32). */
typedef uint32_t memory_attributes;
#define MEMORY_ATTRIBUTES_ALL 0x0du

/* MemoryState::from_bits_truncate and MemoryPermissions::from_bits_truncate:
 * `bits` without the undeclared flags (bit 13 of a state is one). Pure. */
static inline memory_state memory_state_from_bits_truncate(uint32_t bits) { return bits & MEMORY_STATE_ALL; }
static inline memory_permissions memory_permissions_from_bits_truncate(uint32_t bits) { return bits & MEMORY_PERMISSIONS_ALL; }

/* MemoryState::ty: the type kept in the low byte; a value that names no
 * type gives Reserved. Pure. */
memory_type memory_state_ty(memory_state state);
/* MemoryType::get_memory_state: the state upstream stores for a mapping of
 * type `ty` (from_bits_truncate'd: Normal is 0x00040002). Panics: when `ty`
 * is not a memory_type value. */
memory_state memory_type_get_memory_state(memory_type ty);
/* <MemoryType as Debug>::fmt: the variant name ("Normal"), a static
 * string; "?" for a value outside the enum. */
const char *memory_type_name(memory_type ty);

#endif
