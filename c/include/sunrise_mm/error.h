/* sunrise_mm/error.h -- upstream kernel/src/error.rs.
 *
 *   kernel_error                       Result<(), KernelError>: kind KERR_NONE is Ok(()),
 *                                      any other kind an Err with its payload
 *   KERR_PHYSICAL_MEMORY_EXHAUSTION    KernelError::PhysicalMemoryExhaustion
 *   KERR_VIRTUAL_MEMORY_EXHAUSTION     KernelError::VirtualMemoryExhaustion
 *   KERR_INVALID_ADDRESS   (.address)  KernelError::InvalidAddress { address }
 *   KERR_INVALID_SIZE      (.size)     KernelError::InvalidSize { size }
 *   KERR_WRONG_MAPPING_FRAMES_FOR_TY   KernelError::WrongMappingFramesForTy { ty }
 *                          (.ty)
 *   KERR_INVALID_MEM_STATE (.address,  KernelError::InvalidMemState { address, ty }
 *                           .ty)
 *   kerr_ok, kerr_invalid_address, ... constructors of the above
 *   KERR_IS_OK(e)                      Result::is_ok
 *   TRY(e)                             the `?` operator
 *   EXPECT(e, msg)                     Result::expect (a panic)
 *   kernel_error_name                  the variant's name
 *
 * Only the variants the memory module returns exist; the backtraces have no
 * counterpart.
 */
/* A kernel_error is returned by value; kind == KERR_NONE means Ok(()) and
 * the other fields are then meaningless. */
#ifndef SR_ERROR_H
#define SR_ERROR_H

#include "libkern.h"

typedef enum kernel_error_kind {
	KERR_NONE = 0,
	KERR_PHYSICAL_MEMORY_EXHAUSTION,
	KERR_VIRTUAL_MEMORY_EXHAUSTION,
	KERR_INVALID_ADDRESS,        /* address */
	KERR_INVALID_SIZE,           /* size */
	KERR_WRONG_MAPPING_FRAMES_FOR_TY, /* ty */
	KERR_INVALID_MEM_STATE,      /* address, ty */
} kernel_error_kind;

typedef struct kernel_error {
	kernel_error_kind kind;
	uint32_t address;
	uint32_t size;
	memory_type ty;
} kernel_error;

/* The constructors: Ok(()), and each KernelError variant with its payload
 * (the unused fields are 0 / Unmapped). Pure. */
static inline kernel_error kerr_ok(void) { kernel_error e = { KERR_NONE, 0, 0, MEMORY_TYPE_UNMAPPED }; return e; }
static inline kernel_error kerr_invalid_address(uint32_t a) { kernel_error e = { KERR_INVALID_ADDRESS, a, 0, MEMORY_TYPE_UNMAPPED }; return e; }
static inline kernel_error kerr_invalid_size(uint32_t s) { kernel_error e = { KERR_INVALID_SIZE, 0, s, MEMORY_TYPE_UNMAPPED }; return e; }
static inline kernel_error kerr_physical_memory_exhaustion(void) { kernel_error e = { KERR_PHYSICAL_MEMORY_EXHAUSTION, 0, 0, MEMORY_TYPE_UNMAPPED }; return e; }
static inline kernel_error kerr_virtual_memory_exhaustion(void) { kernel_error e = { KERR_VIRTUAL_MEMORY_EXHAUSTION, 0, 0, MEMORY_TYPE_UNMAPPED }; return e; }
static inline kernel_error kerr_wrong_mapping_frames_for_ty(memory_type t) { kernel_error e = { KERR_WRONG_MAPPING_FRAMES_FOR_TY, 0, 0, t }; return e; }
static inline kernel_error kerr_invalid_mem_state(uint32_t a, memory_type t) { kernel_error e = { KERR_INVALID_MEM_STATE, a, 0, t }; return e; }

#define KERR_IS_OK(e) ((e).kind == KERR_NONE)
/* `?`: return the error to the caller. */
#define TRY(expr) do { kernel_error try_e_ = (expr); if (!KERR_IS_OK(try_e_)) return try_e_; } while (0)
/* `.expect(msg)`: an error is a panic. */
#define EXPECT(expr, msg) do { kernel_error ex_e_ = (expr); if (!KERR_IS_OK(ex_e_)) panic(msg); } while (0)

/* The variant's name as upstream spells it ("InvalidAddress"), a static
 * string; "Ok" for KERR_NONE, "?" for a value outside the enum. */
const char *kernel_error_name(kernel_error_kind kind);

#endif
