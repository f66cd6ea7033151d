#ifndef GCNN_CSAMPLERATE_SHIM_H
#define GCNN_CSAMPLERATE_SHIM_H
#include <samplerate.h>
#endif
