/*
 * harness.c - the booking service as a libFuzzer target: apifuzz's
 * entry points over booking_service and the embedded openapi.yaml.
 */
#include "apifuzz.h"

extern const apifuzz_service booking_service;

APIFUZZ_TARGET(booking_service);
