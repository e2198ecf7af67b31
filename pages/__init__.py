"""One module per page: `dash.register_page(...)` and a declarative `layout(**kwargs)`."""
