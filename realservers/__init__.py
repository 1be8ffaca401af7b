"""Real services run here so that the checker and the mock can be compared with them: each
vendor's harness in a package of its own (``tiledesk``: tiledesk-server on loopback, the
scripted sequence, the proxy pass, ``make contract-real``). Nothing in ``mockserver`` or
``contracts`` imports them."""
