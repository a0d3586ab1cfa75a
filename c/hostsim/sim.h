/* sim.h -- the hosted simulation's physical layout and extra entry points. */
#ifndef SR_SIM_H
#define SR_SIM_H

#include <stdint.h>
#include "mach.h"

#define SIM_TRACE_RAM_END 0x01000000u /* trace RAM lies below */
#define SIM_BOOT_DIR 0x01000000u      /* the boot page directory */
#define SIM_KL_TABLE0 0x01001000u     /* KernelLand table of directory slot 768 */
#define SIM_KL_TABLES 255u            /* slots 768..1022 */
#define SIM_FLAT_END 0x01100000u      /* end of the flat simulated RAM */

/* Host pointer to the physical page holding paddr (for checkers and tests). */
uint8_t *sim_phys_page(paddr_t paddr);
/* Releases every host resource of the simulation. */
void machine_shutdown(void);
/* For tests: after `n` more mach_alloc calls that succeed, the next one
 * fails (returns NULL), as on an exhausted kernel heap; a negative `n` (the
 * setting machine_reset leaves) turns this off. */
void sim_heap_fail_after(int n);

#endif
