"""The HTTP face of the projection: read-only queries over the reader role.

It reads through ``storage`` (the same queries as the CLI) and speaks ``schemas``'
vocabulary; it never imports the stream processors."""
