"""One module per page; importing this package registers every `@dash.callback`."""

from callbacks import (  # noqa: F401  # noqa: F401  # noqa: F401
    audit,
    corrections,
    correlation,
    effectiveness,
    filters,
    imports,
    interventions,
    letters,
    live,
    overview,
    reports,
    shell_imports,
    shell_navbar,
    student,
    students,
    system,
    truancy,
    users,
)
