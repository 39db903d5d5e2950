"""PreparedLookup gives exactly what its QuerySet gives, compiled once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deskpact.accounts.models import ApiToken, Organization, User
from deskpact.accounts.services import issue_api_token
from deskpact.core.prepared import PreparedLookup

pytestmark = pytest.mark.django_db

TOKENS: PreparedLookup[ApiToken] = PreparedLookup(
    lambda key_hash: ApiToken.objects.select_related("user", "user__organization").filter(
        key_hash=key_hash
    ),
    "key_hash",
)


def test_the_lookup_gives_the_rows_and_related_rows_the_queryset_gives(
    customer: User, acme: Organization
) -> None:
    token, _ = issue_api_token(customer, name="laptop")
    found = TOKENS.first(key_hash=token.key_hash)
    expected = ApiToken.objects.select_related("user__organization").get(pk=token.pk)
    assert found is not None and found.pk == token.pk
    for name in ("key_hash", "prefix", "name", "created_at", "last_used_at", "user_id"):
        assert getattr(found, name) == getattr(expected, name)
    with CaptureQueriesContext(connection) as ctx:  # related rows came with it
        assert found.user.email == "alice@acme.example"
        assert found.user.organization == acme and found.user.organization.name == "Acme"
        assert found.user.password_changed_at == expected.user.password_changed_at
    assert ctx.captured_queries == []


def test_each_call_runs_one_statement_with_its_own_value(customer: User, agent: User) -> None:
    first, _ = issue_api_token(customer, name="one")
    second, _ = issue_api_token(agent, name="two")
    TOKENS.first(key_hash=first.key_hash)
    with CaptureQueriesContext(connection) as ctx:
        a = TOKENS.first(key_hash=first.key_hash)
        b = TOKENS.first(key_hash=second.key_hash)
        missing = TOKENS.first(key_hash="0" * 64)
    assert len(ctx.captured_queries) == 3
    assert a is not None and a.user == customer
    assert b is not None and b.user == agent and b.user.organization is None
    assert missing is None


def test_a_value_the_query_transforms_is_refused_when_compiled(customer: User) -> None:
    # icontains wraps its value in %…%: the marker does not reach SQL unchanged.
    by_email: PreparedLookup[User] = PreparedLookup(
        lambda email: User.objects.filter(email__icontains=email), "email"
    )
    with pytest.raises(ValueError, match="every value must appear"):
        by_email.first(email="alice")
