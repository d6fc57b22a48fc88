"""Fuzzing samcli's readers of files it did not write itself (`make fuzz`,
`python -m tests.fuzz`): prompt files in every format, class-name files, run
journals and `samcli merge`'s inputs. Each case must end as loaded, as
per-item messages, or as a clean usage error (a SamcliError); anything else
is a bug. A fixed-seed sample runs in `make test` (tests/test_fuzz_sample.py)."""
