/*
 * cli.h - the apifuzz command's subcommands. Each takes the arguments after
 * its name (argv[0] is the subcommand) and returns the process exit status:
 * 0 success, 1 a finding or a failed check, 2 a usage or spec error.
 */
#ifndef AF_CLI_H
#define AF_CLI_H

#include <stdint.h>

#include "gen/gen.h"
#include "spec/model.h"
#include "wire/render.h"

int af_cli_lint(int argc, char **argv);
int af_cli_validate(int argc, char **argv);
int af_cli_gen(int argc, char **argv);
int af_cli_show(int argc, char **argv);
int af_cli_dict(int argc, char **argv);
int af_cli_seeds(int argc, char **argv);
int af_cli_har2corpus(int argc, char **argv);
int af_cli_report(int argc, char **argv);
int af_cli_repro(int argc, char **argv);

/* ---- Shared by gen, show and validate (gen.c) ---- */

/* Called by af_cli_parse_args with an option at argv[*i] (it advances *i
   past a value it consumes) or an operand; -1 to go on, else the exit
   status. */
typedef int (*af_cli_option_fn)(int argc, char **argv, int *i, void *out);
typedef int (*af_cli_operand_fn)(char *arg, void *out);

/* The argument loop of a subcommand: "--" ends the options; -h or --help
   prints usage and help to stdout (status 0); an argument starting with
   '-' (not "-" alone) before "--" goes to option, any other to operand.
   Returns -1 when every argument was taken, else the status a call gave. */
int af_cli_parse_args(int argc, char **argv, const char *usage,
                      const char *help, af_cli_option_fn option,
                      af_cli_operand_fn operand, void *out);

/* Prints "apifuzz CMD: MSG 'ARG'" (ARG NULL: none) and usage to stderr;
   returns 2. */
int af_cli_usage_error(const char *cmd, const char *usage, const char *msg,
                       const char *arg);

/* A decimal (or 0x hex) number up to max; 0, or -1 when text is not one. */
int af_cli_parse_u64(const char *text, uint64_t max, uint64_t *out);

/* The plan options at argv[*i]: --negative, --mixed, --operation ID,
   --path P, --calls K (the value is consumed: *i advances). Returns 1
   when consumed into opts, 0 when argv[*i] is no plan option, 2 on a bad
   or missing value (the message and usage printed). */
int af_cli_plan_option(const char *cmd, const char *usage, int argc,
                       char **argv, int *i, af_gen_opts *opts);

/* Loads spec and builds its plan with opts (credentials from
   APIFUZZ_AUTH unless opts->auth is set). 0, or 2 with the located error
   printed on stderr. Free with af_gen_free, then af_model_free. */
int af_cli_plan_load(const char *cmd, const char *spec, const af_gen_opts *opts,
                     af_model **m, af_gen **g);

/* Appends the JSON line (with its newline) of call number `index` of
   program `program`, rendered as r, to b (see gen.c for the fields). */
void af_cli_call_json(af_wbuf *b, const af_model *m, const af_call *call,
                      const af_rendered *r, uint64_t program, uint32_t index);

/* ---- Shared by report and repro (report.c) ---- */

/* The whole file at path, NUL-terminated (malloc'd; *len excludes the
   NUL), or NULL when it cannot be read or is larger than max bytes. */
char *af_cli_read_file(const char *path, size_t max, size_t *len);

#endif
