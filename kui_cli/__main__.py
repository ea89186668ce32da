from kui_cli.app import main

main()
