"""Retrieval on GraphQL: the `retrieve` query over knowledge bases and files."""
