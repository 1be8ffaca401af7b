"""The real tiledesk-server as a reference: ``server`` installs and runs it on loopback (AGPL,
installed from npm at run time, never committed); ``agreement`` sends one scripted sequence to
it and to the mock and compares them step by step; ``proxy_pass`` sends it through ``leadmock
proxy``; ``against_real`` is ``make contract-real``."""
