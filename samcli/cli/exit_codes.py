"""Exit codes (documented in the README)."""

EXIT_OK = 0  # every image and every prompt succeeded
EXIT_PARTIAL = 1  # finished, but some images or prompt items failed: see the summary
EXIT_USAGE = 2  # bad arguments or unusable input files; nothing was processed
EXIT_MODEL = 3  # the model or its checkpoint could not be loaded
EXIT_INTERNAL = 4  # a bug in samcli: please report it (SAMCLI_DEBUG=1 shows the traceback)
#: an output could not be written (disk full, quota, file-size limit, I/O error, stdout on a full
#: disk): the run stopped, finished images are kept in the journal, `--resume` does the rest
EXIT_IO_FAULT = 5
#: the Ray cluster failed under the run (a node, actor or worker died, an object was lost): the
#: run stopped, finished images are kept in the journal, `--resume` does the rest
EXIT_CLUSTER = 6
EXIT_INTERRUPTED = 130  # Ctrl-C: results finished so far were written
EXIT_BROKEN_PIPE = 141  # stdout's reader stopped reading (`| head`): 128 + SIGPIPE, as a shell reports `yes | head -1`
