/*
 * harness.c - the petstore service as a libFuzzer target: apifuzz
 * decodes each input into a program of calls against openapi.yaml
 * (embedded at build time), runs it in-process and checks every answer.
 * Nothing else belongs here: the service is petstore.c and its files.
 */
#include "apifuzz.h"

extern const apifuzz_service petstore_service;

APIFUZZ_TARGET(petstore_service);
