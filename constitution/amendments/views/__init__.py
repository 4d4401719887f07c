"""Web pages for amendments, by what they do: ``lists``, ``propose`` (proposing and
updating), ``detail`` (the amendment page, its actions and comments) and ``committees``.

Every write is a POST form answered by a redirect and a flash message; a refused form is
shown again with the message and what the member typed. A preview spends the form's token
like any POST, and the page it shows carries a fresh one.
"""
