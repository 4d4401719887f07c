"""Members, invitations, sessions, API tokens, second factor and committees."""
