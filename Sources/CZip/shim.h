#ifndef GCNN_CZIP_SHIM_H
#define GCNN_CZIP_SHIM_H
// libzip reads the .keras archives gcnn imports (from memory; bounds-checked against damaged archives).
#include <zip.h>
#endif
