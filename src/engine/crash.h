/*
 * crash.h - the crash context: when the service crashes (ASan, UBSan,
 * SEGV, abort), the program being run is printed to stderr as curl
 * lines, so every crash file comes with its requests.
 *
 * Three ways in, because the engines own the usual one: libFuzzer sets
 * the sanitizer death callback itself (after LLVMFuzzerInitialize) and
 * there is only one. So: ASan's __asan_on_error and UBSan's
 * __ubsan_on_report hooks (called before their reports), and handlers
 * for SIGABRT, SIGSEGV, SIGBUS, SIGFPE and SIGILL installed on top of
 * the engine's own and chaining to them (the engine still writes its
 * crash file). A finding of a check prints its own report and is not
 * printed twice.
 */
#ifndef AF_CRASH_H
#define AF_CRASH_H

/* Installs the signal handlers (once; call after the engine installed
   its own, i.e. from the first execution). */
void af_crash_install(void);

#endif
