"""What each screen shows and does, as plain Python objects.

View-models never touch ``page``: they read and write through the services
(local store, session, sync engine) and hand the views values and ``Msg``
texts to show. They are unit-tested without a browser; the views only wire
controls to them.
"""
