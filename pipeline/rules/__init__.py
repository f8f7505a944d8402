"""The record rules (SPEC 3, DESIGN 2 ``validate``): text cells in, findings out, no file touched.

In: a night's records as text with ``file_idx`` and ``line_no``; for ``staterules`` one apply
step's records beside the contract's state. Out: typed frames and the long frame of findings
(file, line, field, code, value, limit) every rule produces, with their messages.

- ``parse``         text → typed columns; ``INVALID_TYPE``
- ``validate``      per-record checks that need nothing but the record (``fieldchecks``, Pandera)
- ``plausibility``  person data that is no name
- ``staterules``    rules that need the contract's type or the register's state
- ``normalize``     the match keys of SPEC 5.1 (names, initials, postcodes)
- ``findings``      the findings frame and its messages; ``Rule`` (a mask and the finding it makes)
                    and ``run_rules``, which evaluates many rules' masks in one pass, so a clean
                    chunk pays for its masks only

Called by ``apply``, ``consult`` (requests are checked the same way), ``outbox`` (messages for
``errors.csv``) and the night. Imports only ``contracts_schema``, the foundation modules and
``pipeline.register.state`` (key names).
"""
