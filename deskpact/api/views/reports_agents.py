"""/api/v1/reports/agents/: each agent's and the team's figures over a date range."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deskpact.api.permissions import PasswordCurrent
from deskpact.api.serializers.reports_agents import AgentsReportOut, AgentsReportQuery
from deskpact.reports.agents import agents_report, parse_filters


class TeamReportsReaders(BasePermission):
    message = "Only agents and admins see team reports."

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(getattr(request.user, "is_agent", False))


class AgentsReportView(APIView):
    permission_classes = [PasswordCurrent, TeamReportsReaders]

    @extend_schema(
        parameters=[AgentsReportQuery],
        responses={200: AgentsReportOut},
        summary="Each agent's and the team's workload, response times and ratings",
        description="Open tickets owned now, tickets handled, hours logged, median and "
        "90th-percentile first-response and resolution times, and the average rating with "
        "the number of ratings, over whole days from `start` to `end` (at most two years). "
        "The figures are rounded as on the report page and in its CSV; `definitions` says "
        "what each counts. Bad dates, reversed or too long ranges (`bad_range`), unknown "
        "agents (`unknown_agent`) and queues (`unknown_queue`) are 400 problems naming the "
        "field. Agents and admins.",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        filters = parse_filters(
            start=params.get("start"),
            end=params.get("end"),
            agent=params.get("agent"),
            queue=params.get("queue"),
            today=timezone.localdate(),
        )
        report = agents_report(filters)
        return Response(
            AgentsReportOut(AgentsReportOut.of(report, time_zone=settings.TIME_ZONE)).data
        )
