from helm_harden.cli import main

main()
