"""Test harness for pop3ws: private Dovecot servers, mail generators, a delay relay.

    from pop3ws_harness.dovecot import PrivateDovecot
    from pop3ws_harness import mailgen
"""
