"""Consultation (SPEC 5) and the right of access (SPEC 8): who is this person, and what does the
register hold about them.

In: request records (text, with ``file_idx`` and ``line_no``) and the register's tables as
tonight leaves them (``requests.RegisterView``); for ``cki inzage`` a person's particulars and
the committed register. Out: answer rows, their registrations, the consultation log and
findings; the ``cki inzage`` letter as text or HTML (``templates/inzage.html``).

- ``requests``     match the person, list the registrations, give the colour
- ``colour``       reasons and colour as expressions over a person's registrations
- ``inzage``, ``inzage_text``, ``inzage_html``  the access report: facts, words, page

Called by the night (answers) and ``pipeline.commands`` (``cki inzage``). Imports ``rules``,
``register`` and the foundation modules; it opens no register file itself.
"""
