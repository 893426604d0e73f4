/*
 * main.c - the apifuzz command: dispatches to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"lint", af_cli_lint, "load and compile a spec, print a summary"},
    {"validate", af_cli_validate,
     "validate JSON instances (one per line) against a schema"},
    {"gen", af_cli_gen, "print decoded programs as JSON lines"},
    {"show", af_cli_show, "decode fuzz inputs, print them as HTTP and curl"},
    {"dict", af_cli_dict, "print a fuzzing dictionary of a spec's words"},
    {"seeds", af_cli_seeds, "write seed inputs for a spec's fuzz target"},
    {"har2corpus", af_cli_har2corpus,
     "turn the requests of a HAR file into seed inputs"},
    {"report", af_cli_report, "write findings as JUnit XML and SARIF"},
    {"repro", af_cli_repro, "print a failing input as a C regression test"},
};

static int usage(FILE *out)
{
    fprintf(out, "usage: apifuzz COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'apifuzz COMMAND --help' tells more.\n");
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return usage(stdout);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "apifuzz: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
