from handshake.cli import main

raise SystemExit(main())
