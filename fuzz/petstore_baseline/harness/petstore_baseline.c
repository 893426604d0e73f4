/*
 * petstore_baseline.c - the petstore service under the plain libFuzzer
 * harness a user would write without apifuzz (tests/bench/baseline.h):
 * the eight operations of fuzz/petstore/openapi.yaml by hand, the
 * fuzzer's bytes as the pet id, the list query and the raw body (JSON,
 * or multipart/form-data with a fixed boundary), a valid session cookie,
 * and a 5xx as the only check.
 *
 * The benchmark's yardstick (make bench-bugs); not a fuzz target of
 * make test, which would fail on its planted bugs by design.
 */
#include <stddef.h>
#include <stdint.h>

#include "baseline.h"

extern const apifuzz_service petstore_service;

#define SESSION "session=abcdefgh"
#define JSON "application/json"
#define MULTIPART "multipart/form-data; boundary=boundary"

static const baseline_op ops[] = {
    {.method = "GET",
     .name = "GET /pets",
     .prefix = "/v2/pets",
     .has_param = true,
     .is_query = true},
    {.method = "POST",
     .name = "POST /pets",
     .prefix = "/v2/pets",
     .content_type = JSON,
     .headers = {{"Cookie", SESSION}}},
    {.method = "GET",
     .name = "GET /pets/{id}",
     .prefix = "/v2/pets/",
     .has_param = true},
    {.method = "PATCH",
     .name = "PATCH /pets/{id}",
     .prefix = "/v2/pets/",
     .has_param = true,
     .content_type = JSON,
     .headers = {{"Cookie", SESSION}}},
    {.method = "DELETE",
     .name = "DELETE /pets/{id}",
     .prefix = "/v2/pets/",
     .has_param = true,
     .headers = {{"Cookie", SESSION}}},
    {.method = "POST",
     .name = "POST /pets/{id}/photo",
     .prefix = "/v2/pets/",
     .suffix = "/photo",
     .has_param = true,
     .content_type = MULTIPART,
     .headers = {{"Cookie", SESSION}}},
    {.method = "GET",
     .name = "GET /pets/{id}/photo",
     .prefix = "/v2/pets/",
     .suffix = "/photo",
     .has_param = true},
    {.method = "GET", .name = "GET /categories", .prefix = "/v2/categories"},
};

static void *state;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    state = baseline_init(&petstore_service);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    baseline_run(&petstore_service, state, ops, sizeof ops / sizeof ops[0],
                 data, size);
    return 0;
}
