"""Sites, departments, users, roles, API tokens and the permission matrix."""
