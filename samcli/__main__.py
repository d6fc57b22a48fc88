from samcli.cli import main

main()
