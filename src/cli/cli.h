/*
 * cli.h - the apifuzz command's subcommands. Each takes the arguments after
 * its name (argv[0] is the subcommand) and returns the process exit status:
 * 0 success, 1 a finding or a failed check, 2 a usage or spec error.
 */
#ifndef AF_CLI_H
#define AF_CLI_H

int af_cli_lint(int argc, char **argv);
int af_cli_validate(int argc, char **argv);

#endif
