"""One service per API resource; each checks the caller's rights and calls the repositories."""
