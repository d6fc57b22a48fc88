"""`samcli eval`: how well a promptable model segments annotated objects (issue #10)."""
