#ifndef GCNN_CSNDFILE_SHIM_H
#define GCNN_CSNDFILE_SHIM_H
#include <sndfile.h>
#endif
