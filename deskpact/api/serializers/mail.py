"""Serializers of the inbound mail endpoint."""

from __future__ import annotations

from rest_framework import serializers

from deskpact.mail.models import InboundMessage


class InboundAcceptedOut(serializers.Serializer[InboundMessage]):
    """A raw message the desk has stored (committed); processing follows in the background."""

    id = serializers.IntegerField(help_text="The stored inbound message.")
    # Plain text, not an enum: "status" enums of other resources would collide in the schema.
    status = serializers.CharField(
        help_text="`received` when answered; then processing, processed, ignored, held or failed."
    )
    size = serializers.IntegerField(help_text="Bytes stored.")
    message_id = serializers.CharField(help_text="Its Message-ID header, empty if it had none.")
