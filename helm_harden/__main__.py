from helm_harden.entry import main

raise SystemExit(main())
