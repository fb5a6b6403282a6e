"""The protocol as data: model, loading from a mapping, and the checked criteria."""

from trialdesk.core.protocol.model import ProtocolModel
from trialdesk.core.protocol.protocol import Protocol, protocol_from_mapping

__all__ = ["Protocol", "ProtocolModel", "protocol_from_mapping"]
