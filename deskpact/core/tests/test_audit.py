import pytest

from deskpact.accounts.models import Organization, User
from deskpact.core import audit
from deskpact.core.models import AuditEntry


def test_changes_keep_only_what_differs() -> None:
    before = {"name": "Acme", "currency": "EUR", "tax_rate": "19.000"}
    after = {"name": "Acme Ltd", "currency": "EUR", "tax_rate": "19.000"}
    assert audit.changes(before, after) == ({"name": "Acme"}, {"name": "Acme Ltd"})


@pytest.mark.django_db
def test_record_names_actor_action_object_and_values(admin_user: User, acme: Organization) -> None:
    entry = audit.record(
        "organization.changed", acme, actor=admin_user, before={"name": "A"}, after={"name": "B"}
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor, stored.actor_label) == (admin_user, admin_user.email)
    assert (stored.object_type, stored.object_id) == ("accounts.organization", str(acme.pk))
    assert (stored.before, stored.after) == ({"name": "A"}, {"name": "B"})


@pytest.mark.django_db
def test_record_without_actor_is_the_system(acme: Organization) -> None:
    assert audit.record("organization.created", acme).actor_label == "system"
