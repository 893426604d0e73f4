/* harness.c - the plant test service as a fuzz target. */
#include "apifuzz.h"

extern const apifuzz_service plant_service;
APIFUZZ_TARGET(plant_service);
