"""The benchmark of the portal path: `make bench` (`python -m bench`). See RESULTS.md."""
