#ifndef GCNN_CPNG_SHIM_H
#define GCNN_CPNG_SHIM_H
#include <png.h>
#endif
