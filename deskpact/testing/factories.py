"""factory-boy factories for tests and benchmarks."""

from __future__ import annotations

from typing import Any

import factory

from deskpact.accounts.models import Organization, OrganizationDomain, User
from deskpact.tickets.models import Queue, Ticket

TEST_PASSWORD = "quiet-harbour-lantern-42"


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    currency = "EUR"
    time_zone = "Europe/Berlin"

    @factory.post_generation
    def domains(
        self: Organization, create: bool, extracted: list[str] | None, **kwargs: Any
    ) -> None:
        for domain in extracted or []:
            OrganizationDomain.objects.create(organization=self, domain=domain)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    role = User.Role.USER

    @factory.post_generation
    def password(self: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save()


class QueueFactory(factory.django.DjangoModelFactory[Queue]):
    class Meta:
        model = Queue
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Queue {n}")
    slug = factory.Sequence(lambda n: f"queue-{n}")


class TicketFactory(factory.django.DjangoModelFactory[Ticket]):
    """A ticket row straight in the table; tests of rules go through services.open_ticket."""

    class Meta:
        model = Ticket

    queue = factory.SubFactory(QueueFactory)
    subject = factory.Sequence(lambda n: f"Problem number {n}")
    body = "Something does not work."
    channel = Ticket.Channel.WEB
    requester = factory.SubFactory(UserFactory)
    submitter = factory.SelfAttribute("requester")
    organization = factory.SelfAttribute("requester.organization")
