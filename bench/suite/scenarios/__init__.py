"""One module per scenario of issue 10, `sNN_name.py`, each runnable alone:
`python -m bench.suite.scenarios.s01_http_floor [--quick]`. Each defines TITLE and main()."""
