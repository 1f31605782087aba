"""The frame of the project's NLU components that learn nothing: built from their configuration
alone, at training and at prediction (Rasa's GraphComponent asks each component for `create`)."""

from __future__ import annotations

from typing import Any, Dict, Type, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

C = TypeVar("C", bound="ConfiguredComponent")


class ConfiguredComponent(GraphComponent):
    """Subclasses take their merged configuration (`get_default_config` and config.yml) as the
    one argument of `__init__`."""

    @classmethod
    def create(
        cls: Type[C],
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> C:
        return cls(config)
