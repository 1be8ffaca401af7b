"""The generic engine: any OpenAPI document read into one view (``document``), and the resource
model inferred from it (``model``), which ``leadmock inspect`` prints. The design and the order
of the slices still to come: ``docs/design/spec-engine.md``."""

from mockserver.engine.document import Document, DocumentError, read_document
from mockserver.engine.model import ApiModel, infer_model

__all__ = ["ApiModel", "Document", "DocumentError", "infer_model", "read_document"]
