/*
 * har.h - traffic capture: with APIFUZZ_HAR=FILE, every request a fuzzer
 * binary sends to the service and every response it gets back go into
 * one HAR 1.2 file (http://www.softwareishard.com/blog/har-12-spec/), so
 * in-process runs can be read, replayed and shared like browser traffic.
 *
 * Each entry carries an `_apifuzz` object: the input's name (the SHA-1
 * of its bytes, as libFuzzer names corpus files; null for a program run
 * without one), the program index (af_runner_run calls so far, from 0),
 * the call index, the operation (operationId, else "METHOD /template"),
 * the mode and violation, the parameters taken from an earlier response
 * (back-references), the checks that failed, and `answered` (false for
 * a request whose response never came: the process died inside the
 * service).
 *
 * The file is valid HAR after every entry: each entry is written with
 * the closing brackets after it and flushed, and the next one overwrites
 * those brackets. A request is written before the service handles it
 * (with an empty response) and rewritten with its response, so after a
 * crash the file holds the crashing program up to the crashing request.
 * Content is deterministic but for startedDateTime; timings are 0 unless
 * APIFUZZ_HAR_TIMINGS=1 (then `time` and `timings.wait` are the measured
 * handling time). "%p" in the file name becomes the process id (for
 * -jobs / -fork runs, whose processes would otherwise share one file).
 * Forked children write nothing: neither the in-process minimizer's
 * tries nor the executions of afl-fuzz's fork server (replay with the
 * libFuzzer binary, or run the AFL++ binary on one input directly).
 *
 * Tuned for replays (-runs=0 on a corpus or a list of files): two small
 * writes, a flush and a truncate per exchange. libFuzzer runs an input a
 * second time when it allocated more than it freed (its leak check), so
 * a replay may show a program twice; -detect_leaks=0 avoids it.
 */
#ifndef AF_HAR_H
#define AF_HAR_H

#include "engine/runner.h"
#include "gen/gen.h"

/* Reads APIFUZZ_HAR and, when it is set, af_har_open's it. Returns 0
   (also when APIFUZZ_HAR is unset) or -1. */
int af_har_setup(af_runner_opts *opts, const af_gen *g);

/* Creates the HAR file at path ("%p": the process id), writes the log's
   head and chains the capture into opts: its on_input, on_request and
   capture_ctx are taken, and its on_exchange is wrapped (the previous
   hook, e.g. the engine's feedback, is still called first). A runner
   built with opts then records every exchange. One capture per process:
   opening another closes the first. The file is closed at exit (or by
   af_har_close). Returns 0, or -1 with the reason on stderr. g must
   outlive the capture. */
int af_har_open(const char *path, af_runner_opts *opts, const af_gen *g);

/* Closes the capture's file (it is complete already); no-op when none
   is open or in a forked child. */
void af_har_close(void);

#endif
