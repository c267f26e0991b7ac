"""Checker scripts copied into a verification sandbox and run there by its harness with
``python -I`` (stdlib + the benchmark package only; never imports diagon). ``untrusted.py``
(with ``untrusted_child.py``) is how a checker or a task's tests call the worker's code:
in a child process, as another uid, values crossing as plain data."""
