/*
 * crash.c - prints the program being run when the service crashes
 * (crash.h): sanitizer report hooks and chained signal handlers.
 *
 * Invariants: the context is printed at most once per process (a crash
 * ends it; a second signal during printing must not loop); the engine's
 * own handler always runs afterwards, so its crash file is written.
 * Printing formats with stdio and renders curl lines into the runner's
 * arena: not async-signal-safe, acceptable because the process is going
 * down (the same trade libFuzzer's own crash handler makes).
 */
#define _DEFAULT_SOURCE /* SA_* flags */

#include "engine/crash.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "engine/runner.h"

static const int signals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
#define N_SIGNALS (sizeof signals / sizeof signals[0])

static struct sigaction previous[N_SIGNALS];
static volatile sig_atomic_t is_printed;

static void print_once(void)
{
    if (is_printed)
        return;
    is_printed = 1;
    af_runner_print_context(stderr);
}

/* Called by ASan before it prints an error report (a weak hook of the
   ASan runtime; an ordinary unused function elsewhere). */
void __asan_on_error(void);
void __asan_on_error(void)
{
    print_once();
}

/* Called by UBSan before it prints a report. */
void __ubsan_on_report(void);
void __ubsan_on_report(void)
{
    print_once();
}

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
    print_once();
    for (size_t k = 0; k < N_SIGNALS; k++) {
        if (signals[k] != sig)
            continue;
        const struct sigaction *old = &previous[k];
        if (old->sa_flags & SA_SIGINFO) {
            old->sa_sigaction(sig, info, uctx);
        } else if (old->sa_handler == SIG_IGN) {
            return;
        } else if (old->sa_handler != SIG_DFL) {
            old->sa_handler(sig);
        } else {
            /* Default action: restore it and let the signal kill us. */
            sigaction(sig, old, NULL);
            raise(sig);
        }
        return;
    }
}

void af_crash_install(void)
{
    static bool is_installed;
    if (is_installed)
        return;
    is_installed = true;
    for (size_t k = 0; k < N_SIGNALS; k++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_signal;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        sigaction(signals[k], &sa, &previous[k]);
    }
}
