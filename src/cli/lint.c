/*
 * lint.c - `apifuzz lint SPEC [--json]` (placeholder until the loader lands).
 */
#include <stdio.h>

#include "cli/cli.h"

int af_cli_lint(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "apifuzz lint: not built yet\n");
    return 2;
}
