"""/api/v1/contracts/: contracts, their balance, top-ups and ledger."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from deskpact.accounts.models import User
from deskpact.accounts.requests import signed_in
from deskpact.api.filters import FilterBackend, IdFilter
from deskpact.api.idempotency import idempotent
from deskpact.api.permissions import AdminWritesOthersRead, PasswordCurrent
from deskpact.api.serializers.contracts import (
    ContractEndIn,
    ContractIn,
    ContractOut,
    ContractRenewIn,
)
from deskpact.api.serializers.contracts_balance import (
    BalanceOut,
    LedgerEntryOut,
    TopUpIn,
    TopUpOut,
    TopUpsOut,
)
from deskpact.api.views.tickets import TicketCursor
from deskpact.contracts import ledger, selectors, services
from deskpact.contracts.models import BankBlock, Contract, LedgerEntry

SEES = (
    "Agents and admins see every contract; a customer only their organization's. "
    "Any other contract answers 404."
)


class ContractFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id", help_text="An organization id.")
    kind = django_filters.ChoiceFilter(choices=Contract.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices)

    class Meta:
        model = Contract
        fields = ("organization", "kind", "status")


class LedgerCursor(TicketCursor):
    """Newest first; rows recorded together keep their order by id."""

    ordering = ("-at", "-id")
    page_size = 50
    max_page_size = 200


def with_contacts(rows: QuerySet[Contract]) -> QuerySet[Contract]:
    # Only the ids: one query for the whole page, and no user row is read whole.
    return rows.prefetch_related(
        Prefetch("authorized_contacts", queryset=User.objects.only("id").order_by("id"))
    )


def topups_of(contract: Contract) -> list[dict[str, Any]]:
    """Blocks with what is left of each, and deposits paid; newest first."""
    left = {b.block_id: b.left for b in ledger.blocks_left(contract)}
    rows: list[dict[str, Any]] = [
        {
            "kind": "block",
            "id": block.pk,
            "units": block.units,
            "left": left.get(block.pk, block.units),
            "amount_minor": block.price_minor,
            "currency": contract.currency,
            "at": block.purchased_at,
            "expires_on": block.expires_on,
        }
        for block in BankBlock.objects.filter(contract=contract)
    ]
    rows += [
        deposit_row(entry)
        for entry in LedgerEntry.objects.filter(
            contract=contract, kind=LedgerEntry.Kind.DEPOSIT_PAID
        )
    ]
    return sorted(rows, key=lambda r: (r["at"], r["kind"], r["id"]), reverse=True)


def deposit_row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "kind": "deposit",
        "id": entry.pk,
        "units": None,
        "left": None,
        "amount_minor": entry.prepaid_minor,
        "currency": entry.currency,
        "at": entry.at,
        "expires_on": None,
    }


@extend_schema_view(
    list=extend_schema(summary="Contracts you may see", description=SEES),
    retrieve=extend_schema(summary="One contract", description=SEES),
)
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Support contracts. Admins create, end, renew and top them up; agents read all; a
    customer reads their organization's."""

    permission_classes = [PasswordCurrent, AdminWritesOthersRead]
    serializer_class = ContractOut
    queryset = Contract.objects.none()  # for the schema; get_queryset scopes
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = ContractFilter
    filter_backends = [FilterBackend]

    def get_queryset(self) -> QuerySet[Contract]:
        rows = selectors.contracts_visible_to(signed_in(self.request))
        return with_contacts(rows).order_by("organization_id", "-starts_on", "id")

    def get_object(self) -> Contract:
        rows = selectors.contracts_visible_to(signed_in(self.request))
        if self.action == "retrieve":
            rows = with_contacts(rows)
        contract = rows.filter(pk=self.kwargs["pk"]).first()
        if contract is None:
            raise exceptions.NotFound(f"No contract {self.kwargs['pk']}.")
        return contract

    def reread(self, contract: Contract) -> dict[str, Any]:
        return dict(ContractOut(self.get_queryset().get(pk=contract.pk)).data)

    @extend_schema(
        request=ContractIn,
        responses={201: ContractOut},
        summary="Create a contract (admins)",
        description=(
            "The term may not end before it starts (`ends_on`), nor overlap an active "
            "contract of the same kind for the organization (`starts_on`). A term fee is "
            "due on the first day, as a ledger row."
        ),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ContractIn(data=request.data)
        payload.is_valid(raise_exception=True)
        fields = dict(payload.validated_data)
        organization = fields.pop("organization")
        named = fields.pop("authorized_contacts", [])
        contract = services.create_contract(
            organization, by=signed_in(request), authorized_contacts=named, **fields
        )
        return Response(self.reread(contract), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ContractEndIn,
        responses={200: ContractOut},
        summary="End a contract (admins)",
        description="No new ticket falls under it; work already logged stays rated. "
        "Ending twice is refused (`contract_refused`).",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def end(self, request: Request, pk: str) -> Response:
        contract = self.get_object()
        payload = ContractEndIn(data=request.data)
        payload.is_valid(raise_exception=True)
        on = payload.validated_data.get("ends_on") or timezone.localdate()
        services.end_contract(contract, on=on, by=signed_in(request))
        return Response(self.reread(contract))

    @extend_schema(
        request=ContractRenewIn,
        responses={201: ContractOut},
        summary="Renew a contract for its next term (admins)",
        description="A new contract starting the day after this one ends, with the same terms "
        "and named contacts. An open-ended contract has no term to renew (`contract_refused`).",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def renew(self, request: Request, pk: str) -> Response:
        contract = self.get_object()
        payload = ContractRenewIn(data=request.data)
        payload.is_valid(raise_exception=True)
        renewal = services.renew_contract(
            contract, by=signed_in(request), ends_on=payload.validated_data.get("ends_on")
        )
        return Response(self.reread(renewal), status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: BalanceOut},
        summary="Where a contract stands: used, remaining, run-out date, warnings",
        description="Units are minutes for contracts in hours and incidents for contracts "
        "in incidents; money in minor units of the contract's currency. All derived from "
        "the ledger.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def balance(self, request: Request, pk: str) -> Response:
        contract = self.get_object()
        (summary,) = selectors.summarize([contract], today=timezone.localdate())
        return Response(BalanceOut(summary).data)

    @extend_schema(
        methods=["GET"],
        responses={200: TopUpsOut},
        summary="Blocks and deposits bought, with what is left",
    )
    @extend_schema(
        methods=["POST"],
        request=TopUpIn,
        responses={201: TopUpOut},
        summary="Buy a bank block or pay a per-minute deposit (admins)",
        description=(
            "A bank takes `units` (price from the price book unless `price_minor` is sent); "
            "a per-minute contract takes `amount_minor`. Another currency than the "
            "contract's is refused (`currency`), as is a top-up of any other kind of "
            "contract (`contract_refused`). A price book gap answers `price_missing`."
        ),
    )
    @idempotent
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def topups(self, request: Request, pk: str) -> Response:
        contract = self.get_object()
        if request.method == "GET":
            b = ledger.balance(contract)
            body = {
                "contract": contract.pk,
                "currency": contract.currency,
                "units_left": b.units if contract.kind == Contract.Kind.BANK else None,
                "deposit_left_minor": b.prepaid_minor
                if contract.kind == Contract.Kind.PER_MINUTE
                else None,
                "card_on_file": contract.card_on_file,
                "topups": topups_of(contract),
            }
            return Response(TopUpsOut(body).data)
        payload = TopUpIn(data=request.data, context={"kind": contract.kind})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        by = signed_in(request)
        if contract.kind == Contract.Kind.PER_MINUTE:
            entry = services.pay_deposit(
                contract, amount_minor=data["amount_minor"], by=by, currency=data.get("currency")
            )
            return Response(TopUpOut(deposit_row(entry)).data, status=status.HTTP_201_CREATED)
        block = services.top_up_bank(
            contract,
            units=data.get("units", 0),
            by=by,
            price_minor=data.get("price_minor"),
            currency=data.get("currency"),
            expires_on=data.get("expires_on"),
        )
        row = next(r for r in topups_of(contract) if r["kind"] == "block" and r["id"] == block.pk)
        return Response(TopUpOut(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: LedgerEntryOut(many=True)},
        summary="The contract's ledger rows, newest first",
        description="Append-only: a correction is a new row whose `corrects` names the old one.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=LedgerCursor)
    def ledger(self, request: Request, pk: str) -> Response:
        contract = self.get_object()
        rows = LedgerEntry.objects.filter(contract=contract).order_by("-at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(LedgerEntryOut(page, many=True).data)
