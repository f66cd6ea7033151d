#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver as a function (LLVM >= 11): parses libFuzzer's flags from argv and fuzzes
/// `callback`, for executables that have their own `main`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
