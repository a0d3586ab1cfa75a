/* sunrise_mm/version.h -- version of the C ABI of the SunriseOS memory
 * module port.
 *
 * The ABI is everything the headers under sunrise_mm/ declare: function
 * signatures, and the layout of the structs passed by value or read by the
 * caller (kernel_error, physical_mem_region, region_vec, mapping,
 * query_memory, cross_process_mapping, process_memory, ...).
 *
 *   MAJOR  a signature, a struct layout, an enum value or a behaviour a
 *          caller can observe changed (traces replay differently);
 *   MINOR  something was added;
 *   PATCH  a fix that keeps every corpus trace's result stream.
 *
 * The behaviour is upstream's: any divergence from the upstream golden
 * streams (the .out files of corpus/upstream) is a bug. */
#ifndef SUNRISE_MM_VERSION_H
#define SUNRISE_MM_VERSION_H

#define SUNRISE_MM_VERSION_MAJOR 2
#define SUNRISE_MM_VERSION_MINOR 0
#define SUNRISE_MM_VERSION_PATCH 0

/* 0xMMmmpp, for #if comparisons. */
#define SUNRISE_MM_VERSION \
	((SUNRISE_MM_VERSION_MAJOR << 16) | (SUNRISE_MM_VERSION_MINOR << 8) | SUNRISE_MM_VERSION_PATCH)

#endif
