"""Panel review: the rubric, panel members' profiles and invitations, rounds and reviews."""
