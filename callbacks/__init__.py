"""One module per page; importing this package registers every `@dash.callback`."""

from callbacks import (  # noqa: F401  # noqa: F401  # noqa: F401
    audit,
    correlation,
    effectiveness,
    filters,
    imports,
    interventions,
    letters,
    overview,
    reports,
    shell_imports,
    student,
    students,
    truancy,
    users,
)
