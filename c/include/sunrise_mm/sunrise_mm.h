/* sunrise_mm/sunrise_mm.h -- every public header of the port.
 *
 * Include path: the directory holding sunrise_mm/ (c/include). Link: the
 * port's sources (every .c file of c/kernel and c/kernel/arch/i386) and one backend
 * (c/hostsim/sim.c, compiled with -DSR_HOSTED=1, or the i386 kernel's). */
#ifndef SUNRISE_MM_H
#define SUNRISE_MM_H

#include "version.h"
#include "mach.h"
#include "libkern.h"
#include "error.h"
#include "mem.h"
#include "checks.h"
#include "lands.h"
#include "physical_mem_region.h"
#include "paging.h"
#include "frame_allocator.h"
#include "mapping.h"
#include "bookkeeping.h"
#include "arch/i386/entry.h"
#include "hierarchical_table.h"
#include "arch/i386/table.h"
#include "kernel_memory.h"
#include "cross_process.h"
#include "process_memory.h"

#endif
