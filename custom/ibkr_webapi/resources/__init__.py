"""The API surface, one module per resource; each calls the generated layer and shapes the result."""
