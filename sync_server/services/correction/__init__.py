"""Community correction on the server: the district's settings, the rules a
push of subject events obeys, the desk's decisions on requests, a
subject's timeline and the archiving of released subjects' records."""
