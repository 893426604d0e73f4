/*
 * booking_baseline.c - the booking service under the plain libFuzzer
 * harness a user would write without apifuzz (tests/bench/baseline.h):
 * the five operations of fuzz/booking/openapi.yaml by hand, the fuzzer's
 * bytes as the booking_id, the list query and the JSON body, the API key
 * a user knows, and a 5xx as the only check.
 *
 * The benchmark's yardstick (make bench-bugs); not a fuzz target of
 * make test, which would fail on its planted bugs by design.
 */
#include <stddef.h>
#include <stdint.h>

#include "baseline.h"

extern const apifuzz_service booking_service;

#define KEY "apifuzz-key"
#define JSON "application/json"

static const baseline_op ops[] = {
    {.method = "POST",
     .name = "POST /bookings",
     .prefix = "/bookings",
     .content_type = JSON,
     .headers = {{"X-API-Key", KEY}}},
    {.method = "GET",
     .name = "GET /bookings",
     .prefix = "/bookings",
     .has_param = true,
     .is_query = true},
    {.method = "GET",
     .name = "GET /bookings/{booking_id}",
     .prefix = "/bookings/",
     .has_param = true},
    {.method = "PATCH",
     .name = "PATCH /bookings/{booking_id}",
     .prefix = "/bookings/",
     .has_param = true,
     .content_type = JSON,
     .headers = {{"X-API-Key", KEY}}},
    {.method = "DELETE",
     .name = "DELETE /bookings/{booking_id}",
     .prefix = "/bookings/",
     .has_param = true,
     .headers = {{"X-API-Key", KEY}}},
};

static void *state;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    state = baseline_init(&booking_service);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    baseline_run(&booking_service, state, ops, sizeof ops / sizeof ops[0], data,
                 size);
    return 0;
}
