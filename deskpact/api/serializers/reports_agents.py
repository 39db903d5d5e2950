"""The agents report over the API: the same rounded figures as the page and its CSV."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from deskpact.reports.agents import DEFINITIONS, AgentFigures, AgentsReport


class AgentsReportQuery(serializers.Serializer):
    """Documents the query string; reports/agents.py parses it and names a bad field."""

    start = serializers.DateField(
        required=False, help_text="First day, YYYY-MM-DD; 30 days before `end` by default."
    )
    end = serializers.DateField(required=False, help_text="Last day, included; today by default.")
    agent = serializers.IntegerField(
        required=False, help_text="An agent's or admin's id: only their row (and the team's)."
    )
    queue = serializers.IntegerField(required=False, help_text="A queue's id: its tickets only.")


def _hours(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text=f"{help_text} In hours, two places; null when there is nothing to measure.",
    )


class AgentFiguresOut(serializers.Serializer):
    agent_id = serializers.IntegerField(allow_null=True, help_text="Null on the team's row.")
    agent = serializers.CharField(help_text="The agent's name (or email), or `Team`.")
    open_owned = serializers.IntegerField()
    handled = serializers.IntegerField()
    hours_logged = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    first_response_tickets = serializers.IntegerField()
    first_response_median_hours = _hours("Median first response.")
    first_response_p90_hours = _hours("90th-percentile first response.")
    resolved_tickets = serializers.IntegerField()
    resolution_median_hours = _hours("Median resolution time.")
    resolution_p90_hours = _hours("90th-percentile resolution time.")
    average_rating = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    ratings = serializers.IntegerField()

    @staticmethod
    def of(row: AgentFigures) -> dict[str, Any]:
        return {"agent_id": row.agent_id, **row.shown()}


class ReportDefinitionOut(serializers.Serializer):
    name = serializers.CharField()
    text = serializers.CharField()


class AgentsReportOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    time_zone = serializers.CharField(help_text="Days run midnight to midnight in this zone.")
    agent = serializers.IntegerField(allow_null=True)
    queue = serializers.IntegerField(allow_null=True)
    agents = AgentFiguresOut(many=True)
    team = AgentFiguresOut()
    definitions = ReportDefinitionOut(many=True)

    @staticmethod
    def of(report: AgentsReport, *, time_zone: str) -> dict[str, Any]:
        filters = report.filters
        return {
            "start": filters.range.start,
            "end": filters.range.end,
            "time_zone": time_zone,
            "agent": filters.agent.pk if filters.agent else None,
            "queue": filters.queue.pk if filters.queue else None,
            "agents": [AgentFiguresOut.of(row) for row in report.agents],
            "team": AgentFiguresOut.of(report.team),
            "definitions": [{"name": name, "text": text} for name, text in DEFINITIONS],
        }
