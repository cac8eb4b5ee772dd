"""The exit codes of every command (cli.md): 0 ok, 1 a design failed, 2 bad input or misuse, 130 interrupted."""

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 128 + 2   # the shell's code for a process ended by SIGINT (Ctrl-C)
