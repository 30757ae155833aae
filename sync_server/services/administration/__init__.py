"""The district's administration: its set-up (``district``), its org tree
(``org_tree``), its staff (``staff``), and bringing its ledgers in and out
(``sheets``, ``imports``, ``exports``). Shared by the admin routes and the
``lastmile admin`` command line, so an action from either place is checked,
done and audited the same way."""
