"""A pipeline's problems, carried by the error so each surface lists every one."""

from __future__ import annotations

from collections.abc import Sequence

from resolvers.errors import Forbidden, Invalid
from resolvers.pipelines.definition import Problem


def _summary(intro: str, problems: Sequence[Problem]) -> str:
    return f"{intro} " + "; ".join(p.text() for p in problems)


class DefinitionInvalid(Invalid):
    """The definition cannot be saved or run as it is (400)."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(_summary("The pipeline's definition has problems:", problems),
                         reason="pipeline_invalid", field="definition")
        self.problems = list(problems)


class PipelineAccessDenied(Forbidden):
    """The pipeline names models, knowledge, files or functions its caller may not use."""

    def __init__(self, problems: Sequence[Problem]):
        super().__init__(_summary("The pipeline uses what you may not:", problems),
                         reason="pipeline_access_denied")
        self.problems = list(problems)
