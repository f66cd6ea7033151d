#ifndef GCNN_CFFTW_SHIM_H
#define GCNN_CFFTW_SHIM_H
#include <fftw3.h>
#endif
