from deskpact.core.errors import DomainError


class AccountLocked(DomainError):
    code = "account_locked"
    status = 403


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 400
