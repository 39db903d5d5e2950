from deskpact.core.errors import DomainError, NotFound, PermissionRefused


class TransitionRefused(DomainError):
    code = "transition_refused"
    status = 409


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class NotAllowed(PermissionRefused):
    code = "not_allowed"


class RatingRefused(DomainError):
    code = "rating_refused"
    status = 409


class AttachmentTooLarge(DomainError):
    code = "attachment_too_large"
    status = 413
