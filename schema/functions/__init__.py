"""Functions on GraphQL: the Function type, the functions query and its mutations."""
